// Command line of `npm run test:regress -- [options] [test ...]`.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FrontKind } from './front.js';
import { SetupError } from './log.js';

export interface RegressCommand {
  readonly via: FrontKind;
  readonly keep: boolean;
  readonly tests: readonly string[];
  readonly cacheDir: string;
  readonly help: boolean;
}

export const usage = `Usage: npm run test:regress -- [--via=pggit|relay] [--keep] [TEST ...]

Runs PostgreSQL's regression suite (pg_regress, parallel schedule, from the
installed server's source package) directly against a throwaway cluster and
again through the pggit proxy, and fails if a test fails only through the proxy.

  --via=pggit   the proxied run goes through \`pggit proxy\` (default)
  --via=relay   ... through a bare socket relay instead (a control)
  --keep        keep both clusters' data directories and the suite copy
  TEST ...      run only these tests, in order, instead of the schedule; most
                need test_setup first (e.g. test_setup create_index select_parallel)

Cache (suite source, server headers, regress.so): PGGIT_REGRESS_CACHE, else
$XDG_CACHE_HOME/pggit/regress, else ~/.cache/pggit/regress.
`;

export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv): RegressCommand {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      via: { type: 'string', default: 'pggit' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.via !== 'pggit' && values.via !== 'relay') {
    throw new SetupError(`--via must be pggit or relay, got "${values.via}" (see --help)`);
  }
  const cacheDir =
    env['PGGIT_REGRESS_CACHE'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'pggit', 'regress');
  return { via: values.via, keep: values.keep, tests: positionals, cacheDir, help: values.help };
}

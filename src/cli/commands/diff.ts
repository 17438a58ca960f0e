// `pggit diff FROM [TO]`: parses arguments and prints; the work is in
// src/branch/diff.ts (GET /api/diff calls the same function).
import { parseArgs } from 'node:util';
import { diffSchemas, isDatabaseUrl, type DiffResult } from '../../branch/index.js';
import { loadParser } from '../../ddl/index.js';
import { HAZARD_KINDS, renderPlan } from '../../plan/index.js';
import { printJson, READ_HELP, withHistory } from '../history-read.js';
import { UsageError } from '../listen-address.js';
import type { Env } from '../settings.js';
import { upstreamUrlFor } from '../targets.js';
import { REF_HELP } from './show.js';

export const diffHelp = `Usage: pggit diff FROM [TO] [options]

Prints the SQL script that turns FROM's schema into TO's, in dependency
order, each statement under a comment naming its object and its hazards;
run it with psql -v ON_ERROR_STOP=1 -f. FROM and TO are revisions (REF,
below) or postgres:// URLs of live databases; TO defaults to the live
database of --branch. Two URLs need no store.

Options:
  --exit-code              exit 1 when there are differences, 0 when none
  --upstream URL           the server holding the branch databases (for TO omitted)
                                                             PGGIT_UPSTREAM, else PGHOST/PGPORT/PGUSER
${READ_HELP}
${REF_HELP}
Hazards:
${Object.entries(HAZARD_KINDS).map(([name, meaning]) => `  ${name.padEnd(22)} ${meaning}`).join('\n')}

--json prints {"from","to","statements":[{"sql","object","action","hazards":[{"kind",
"detail","relation","rows","bytes"}],"transactional"}],"summary":{"statements","byAction","hazards"}}.
`;

export async function runDiff(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      store: { type: 'string' },
      db: { type: 'string' },
      branch: { type: 'string' },
      upstream: { type: 'string' },
      json: { type: 'boolean' },
      'exit-code': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(diffHelp);
    return 0;
  }
  const [from, to, ...extra] = positionals;
  if (from === undefined) throw new UsageError('expected FROM (a revision or a postgres:// URL)');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  await loadParser();
  const result: DiffResult =
    isDatabaseUrl(from) && to !== undefined && isDatabaseUrl(to)
      ? await diffSchemas({ from, to })
      : await withHistory(values, env, async (reader, context) => diffSchemas({ from, to, reader, context, upstreamUrl: await upstreamUrlFor(values.upstream, env) }));
  if (values.json) printJson(result);
  else process.stdout.write(renderPlan(result.statements, result));
  return values['exit-code'] && result.statements.length > 0 ? 1 : 0;
}

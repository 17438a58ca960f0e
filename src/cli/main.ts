// The `pggit` command: parses the subcommand and hands over. Commands print;
// the work happens in the rooms they call.
import { runProxy, proxyHelp } from './commands/proxy.js';
import { runUp } from './commands/up.js';
import { runLog } from './commands/log.js';
import { runShow } from './commands/show.js';
import { runSchema } from './commands/schema.js';
import { runBranch } from './commands/branch.js';
import { runDiff } from './commands/diff.js';
import { runRevert } from './commands/revert.js';
import { runMerge } from './commands/merge.js';
import { runStatus } from './commands/status.js';
import { runGc } from './commands/gc.js';
import { UsageError } from './listen-address.js';
import { version } from './version.js';

type Command = (argv: string[], env: NodeJS.ProcessEnv) => Promise<number>;

const commands: Record<string, Command> = {
  proxy: runProxy,
  up: runUp,
  log: runLog,
  show: runShow,
  schema: runSchema,
  branch: runBranch,
  diff: runDiff,
  revert: runRevert,
  merge: runMerge,
  status: runStatus,
  gc: runGc,
};

const help = `pggit ${version}: Git-style schema history for PostgreSQL, as a wire-protocol proxy

Usage: pggit <command> [options]

Commands:
  up        run a private PostgreSQL and the proxy in front of it (try this first)
  proxy     run the proxy in front of an existing PostgreSQL server
  log       list the schema commits of a database, newest first
  show      show a commit: who, when, statements, what changed
  schema    print the whole schema at any commit as runnable SQL
  branch    create, list, delete and prune branches (databases of their own)
  diff      the SQL that turns one schema into another (revisions or live databases)
  revert    undo a commit's schema change on a branch (three-way, with conflicts)
  merge     merge a branch into another (three-way, conflicts kept for resolution)
  status    which pggit runs where (the other commands use it with no flags)
  gc        remove from the store what no branch needs (deleted branches' history)

Run "pggit <command> --help" for a command's options.
`;

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`pggit: unknown command "${name}"\n\n${help}`);
    return 2;
  }
  try {
    return await command(rest, env);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      process.stderr.write(`pggit ${name}: ${(error as Error).message}\nRun "pggit ${name} --help" for usage.\n`);
      return 2;
    }
    const sqlstate = (error as { sqlstate?: unknown }).sqlstate;
    process.stderr.write(`pggit ${name}: ${(error as Error).message}${typeof sqlstate === 'string' ? ` (SQLSTATE ${sqlstate})` : ''}\n`);
    return 1;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export { proxyHelp };

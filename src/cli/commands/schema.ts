// `pggit schema [--at REF]`: the whole schema at a commit as runnable SQL.
import { parseArgs } from 'node:util';
import { schemaAt } from '../../history/index.js';
import { UsageError } from '../listen-address.js';
import type { Env } from '../settings.js';
import { localTime, printJson, READ_HELP, READ_OPTIONS, withHistory } from '../history-read.js';
import { REF_HELP } from './show.js';

export const schemaHelp = `Usage: pggit schema [--at REF] [options]

Prints the whole schema as it was at REF (default: the head of --branch) as
one SQL script, objects in dependency order, that recreates it in an empty
database:  pggit schema --at HEAD~3 | psql -v ON_ERROR_STOP=1 scratch

Each object is followed by ALTER ... OWNER TO its recorded owner.

Options:
  --at REF                 the revision (default HEAD)
  --no-owners              leave out the OWNER TO lines (whoever replays
                           owns everything, like pg_dump --no-owner)
${READ_HELP}
${REF_HELP}
--json prints {"repository","ref","commit":{...as in log},
"objects":[{"key","kind","definition","dependsOn"}],"sql"}.
`;

export async function runSchema(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { ...READ_OPTIONS, at: { type: 'string' }, 'no-owners': { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(schemaHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (the revision goes after --at)`);
  const schema = await withHistory(values, env, (reader, context) =>
    schemaAt(reader, context, values.at ?? 'HEAD', { noOwners: values['no-owners'] ?? false }),
  );
  if (values.json) {
    printJson(schema);
    return 0;
  }
  const { commit } = schema;
  const header = `-- pggit: schema of database "${schema.repository}" at ${commit.shortId} (${schema.ref}), ${commit.kind} ${localTime(commit.committedAt)}: ${commit.message.replace(/\s*\n\s*/g, ' ')}\n`;
  process.stdout.write(header + schema.sql);
  return 0;
}

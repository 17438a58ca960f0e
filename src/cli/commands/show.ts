// `pggit show REF`: one commit: metadata, statements, object-level diff.
import { parseArgs } from 'node:util';
import { shortId, showCommit, type CommitDetails, type ObjectVersion } from '../../history/index.js';
import { UsageError } from '../listen-address.js';
import type { Env } from '../settings.js';
import { localTime, printJson, READ_HELP, READ_OPTIONS, withHistory } from '../history-read.js';

export const REF_HELP = `REF (a revision):
  3f9a1c2b                 a commit id, or a unique prefix of at least 4 hex digits
  main                     a branch: its head
  HEAD                     the head of --branch
  HEAD~2, main~1           first parents back;  HEAD^2: the second parent
  main@{2026-11-24 10:00}  the newest commit of main's first-parent chain
                           committed at or before that time (read by PostgreSQL,
                           in PGTZ or the local time zone; also 'yesterday',
                           '2 hours ago'); @{...} alone uses --branch
`;

export const showHelp = `Usage: pggit show [REF] [options]

Shows a commit (default HEAD): who, when, which application, the statements
it recorded, and the objects it added, removed and changed relative to its
first parent, with a line diff of each changed definition.

Options:
${READ_HELP}
${REF_HELP}
--json prints {"repository","ref","commit":{...as in log},"statements":[...],
"diff":{"against","added":[{"key","kind","definition","dependsOn"}],"removed":[...],
"changed":[{"key","kind","before":{...},"after":{...},"diff":["@@ ...", ...]}]}}.
`;

export async function runShow(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: READ_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(showHelp);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected one REF, got ${positionals.length}`);
  const details = await withHistory(values, env, (reader, context) => showCommit(reader, context, positionals[0] ?? 'HEAD'));
  if (values.json) printJson(details);
  else process.stdout.write(formatShow(details));
  return 0;
}

export function formatShow({ commit, statements, diff }: CommitDetails): string {
  const field = (name: string, value: string | number | null): string => `${`${name}:`.padEnd(13)}${value ?? '-'}\n`;
  let out = `commit ${commit.id}\n`;
  out += field('Kind', commit.kind);
  out += field('Branch', commit.branch);
  out += field('Parents', commit.parents.map(shortId).join(' ') || '(none)');
  out += field('Author', commit.author);
  out += field('Database', commit.database);
  out += field('Application', commit.application);
  out += field('Client', commit.clientAddress);
  out += field('Backend PID', commit.backendPid);
  out += field('Committed', localTime(commit.committedAt));
  out += field('Recorded', localTime(commit.recordedAt));
  out += `\n${indent(commit.message)}\n`;
  if (statements.length > 0) {
    out += '\nStatements:\n';
    for (const statement of statements) out += `${indent(/;\s*$/.test(statement) ? statement.trimEnd() : `${statement.trimEnd()};`)}\n`;
  }
  const counts = `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`;
  out += `\nChanges ${diff.against ? `against ${shortId(diff.against)}` : '(root commit)'}: ${counts}\n`;
  const rows = [
    ...diff.added.map((object) => ({ key: object.key, mark: '+' })),
    ...diff.changed.map((object) => ({ key: object.key, mark: '~' })),
    ...diff.removed.map((object) => ({ key: object.key, mark: '-' })),
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const row of rows) out += `  ${row.mark} ${row.key}\n`;
  for (const changed of diff.changed) {
    out += `\n~ ${changed.key}\n`;
    if (changed.diff.length > 0) out += `${changed.diff.join('\n')}\n`;
    else out += `  (definition unchanged; depends on: ${changed.after.dependsOn.join(', ') || 'nothing'})\n`;
  }
  for (const object of diff.added) out += whole('+', object);
  for (const object of diff.removed) out += whole('-', object);
  return out;
}

function whole(mark: '+' | '-', object: ObjectVersion): string {
  return `\n${mark} ${object.key}\n${object.definition.split('\n').map((line) => `${mark}${line}`).join('\n')}\n`;
}

function indent(text: string): string {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}

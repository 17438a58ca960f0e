// The `command` label of pggit_statements_total: a small fixed set read from
// the first word of a CommandComplete tag ("INSERT 0 1", "CREATE TABLE").
// Matching compares a few bytes of the borrowed body; the tag is never
// decoded into a string. Tags are PostgreSQL's cmdtaglist.h, always upper case.

/** Every value the `command` label can take. Its index is the command id. */
export const COMMAND_LABELS = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'COPY',
  'FETCH',
  'MOVE',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'PREPARE',
  'DEALLOCATE',
  'DECLARE',
  'CLOSE',
  'SET',
  'RESET',
  'SHOW',
  'CALL',
  'DO',
  'LOCK',
  'TRUNCATE',
  'LISTEN',
  'UNLISTEN',
  'NOTIFY',
  'DISCARD',
  'EXPLAIN',
  'VACUUM',
  'ANALYZE',
  /** A schema change: CREATE, ALTER, DROP, COMMENT, GRANT, ... or what the DDL watcher says is one. */
  'DDL',
  /** A statement that ended in an ErrorResponse. */
  'ERROR',
  /** Any other tag (CHECKPOINT, CLUSTER, REINDEX, REFRESH, ...). */
  'OTHER',
] as const;

export type CommandLabel = (typeof COMMAND_LABELS)[number];

export function commandId(label: CommandLabel): number {
  return COMMAND_LABELS.indexOf(label);
}

export const DDL_COMMAND = commandId('DDL');
export const ERROR_COMMAND = commandId('ERROR');
export const OTHER_COMMAND = commandId('OTHER');

/** First words whose label is not the word itself. Others in COMMAND_LABELS map to themselves. */
const ALIASES: ReadonlyArray<readonly [word: string, label: CommandLabel]> = [
  ['START', 'BEGIN'], // START TRANSACTION
  ['CREATE', 'DDL'],
  ['ALTER', 'DDL'],
  ['DROP', 'DDL'],
  ['COMMENT', 'DDL'],
  ['GRANT', 'DDL'],
  ['REVOKE', 'DDL'],
  ['SECURITY', 'DDL'], // SECURITY LABEL
  ['IMPORT', 'DDL'], // IMPORT FOREIGN SCHEMA
];

interface Entry {
  readonly word: Buffer;
  readonly id: number;
}

/** Entries by their first byte, so a tag is compared with two or three words at most. */
const BY_FIRST_BYTE: ReadonlyArray<readonly Entry[] | undefined> = buildTable();

function buildTable(): Array<Entry[] | undefined> {
  const table: Array<Entry[] | undefined> = new Array(256);
  const own = COMMAND_LABELS.filter((label) => label !== 'DDL' && label !== 'ERROR' && label !== 'OTHER');
  const words: Array<readonly [string, CommandLabel]> = [...own.map((label) => [label, label] as const), ...ALIASES];
  for (const [word, label] of words) {
    const first = word.charCodeAt(0);
    (table[first] ??= []).push({ word: Buffer.from(word, 'latin1'), id: commandId(label) });
  }
  return table;
}

/**
 * The command id (index into COMMAND_LABELS) of a CommandComplete body
 * (`body[start, end)`): the tag's first word must match a known word and end
 * at a space, the terminating NUL or the end of the body.
 */
export function commandOfTag(body: Buffer, start = 0, end = body.length): number {
  if (start >= end) return OTHER_COMMAND;
  const entries = BY_FIRST_BYTE[body[start]!];
  if (entries === undefined) return OTHER_COMMAND;
  for (const entry of entries) {
    if (startsWithWord(body, start, end, entry.word)) return entry.id;
  }
  return OTHER_COMMAND;
}

function startsWithWord(body: Buffer, start: number, end: number, word: Buffer): boolean {
  const length = word.length;
  if (end - start < length) return false;
  for (let i = 1; i < length; i++) {
    if (body[start + i] !== word[i]) return false;
  }
  if (start + length === end) return true;
  const next = body[start + length];
  return next === 0x20 || next === 0x00;
}

// The statement that takes back one statement of an object's definition
// (the part after its CREATE: comments, grants, RLS flags, OWNED BY,
// ATTACH PARTITION, column settings, ...), so that an object whose CREATE
// did not change is altered in place instead of dropped and created again.
// Undefined when there is no such statement: the caller then replaces the
// object.
import { bodyOf, type ParsedStatement } from '../ddl/index.js';
import { SqlText } from './sql-tokens.js';

/** `COMMENT ON x IS '...'` -> `COMMENT ON x IS NULL` (also SECURITY LABEL). */
function clearLabel(text: string): string | undefined {
  const sql = new SqlText(text);
  // The public schema's comment, when there is none in the catalog's view, is the one initdb gives it.
  const empty = /^COMMENT ON SCHEMA public IS /.test(text) ? "'standard public schema'" : 'NULL';
  for (let i = sql.tokens.length - 1; i > 0; i -= 1) if (sql.keyword(i) === 'IS') return `${sql.range(0, i)} ${empty}`;
  return undefined;
}

/** GRANT <-> REVOKE, for object privileges and ALTER DEFAULT PRIVILEGES alike. */
function swapGrant(text: string): string | undefined {
  const sql = new SqlText(text);
  const tokens = sql.tokens;
  const at = tokens.findIndex((_, i) => sql.keyword(i) === 'GRANT' || sql.keyword(i) === 'REVOKE');
  if (at < 0) return undefined;
  const granting = sql.keyword(at) === 'GRANT';
  let depth = 0;
  let target = -1;
  for (let i = at + 1; i < tokens.length; i += 1) {
    const t = tokens[i]!.text;
    if (t === '(') depth += 1;
    else if (t === ')') depth -= 1;
    else if (depth === 0 && sql.keyword(i) === (granting ? 'TO' : 'FROM')) target = i;
  }
  if (target < 0) return undefined;
  const prefix = sql.range(0, at - 1);
  let privileges = sql.range(at + 1, target - 1);
  let grantees = sql.range(target + 1, tokens.length - 1);
  let withGrant = false;
  if (granting) {
    if (/\s+WITH GRANT OPTION$/i.test(grantees)) grantees = grantees.replace(/\s+WITH GRANT OPTION$/i, '');
    grantees = grantees.replace(/\s+GRANTED BY\s+\S+$/i, '');
    return `${prefix ? `${prefix} ` : ''}REVOKE ${privileges} FROM ${grantees}`;
  }
  if (/^GRANT OPTION FOR\s+/i.test(privileges)) {
    privileges = privileges.replace(/^GRANT OPTION FOR\s+/i, '');
    withGrant = true;
  }
  grantees = grantees.replace(/\s+(CASCADE|RESTRICT)$/i, '').replace(/\s+GRANTED BY\s+\S+$/i, '');
  return `${prefix ? `${prefix} ` : ''}GRANT ${privileges} TO ${grantees}${withGrant ? ' WITH GRANT OPTION' : ''}`;
}

const TABLE_UNDO: Readonly<Record<string, (cmd: string) => string | undefined>> = {
  AT_EnableRowSecurity: () => 'DISABLE ROW LEVEL SECURITY',
  AT_DisableRowSecurity: () => 'ENABLE ROW LEVEL SECURITY',
  AT_ForceRowSecurity: () => 'NO FORCE ROW LEVEL SECURITY',
  AT_NoForceRowSecurity: () => 'FORCE ROW LEVEL SECURITY',
  AT_ReplicaIdentity: () => 'REPLICA IDENTITY DEFAULT',
  AT_ClusterOn: () => 'SET WITHOUT CLUSTER',
  AT_SetStatistics: (cmd) => cmd.replace(/SET STATISTICS .*$/i, 'SET STATISTICS -1'),
  AT_SetCompression: (cmd) => cmd.replace(/SET COMPRESSION .*$/i, 'SET COMPRESSION DEFAULT'),
  AT_ColumnDefault: (cmd) => (/ SET DEFAULT /i.test(cmd) ? cmd.replace(/ SET DEFAULT .*$/is, ' DROP DEFAULT') : undefined),
  AT_SetNotNull: (cmd) => cmd.replace(/ SET NOT NULL$/i, ' DROP NOT NULL'),
  AT_DropNotNull: (cmd) => cmd.replace(/ DROP NOT NULL$/i, ' SET NOT NULL'),
  AT_AddInherit: (cmd) => `NO ${cmd}`,
  AT_DropInherit: (cmd) => cmd.replace(/^NO /i, ''),
};

/** Options `SET (a=1, b='x')` -> `RESET (a, b)`. */
function resetOptions(text: string): string | undefined {
  const sql = new SqlText(text);
  const set = sql.tokens.findIndex((_, i) => sql.keyword(i) === 'SET' && sql.tokens[i + 1]?.text === '(');
  if (set < 0) return undefined;
  const names = sql.items(set + 1).map(([first, last]) => {
    let end = first;
    while (end + 1 <= last && sql.tokens[end + 1]!.text !== '=') end += 1;
    return sql.range(first, end);
  });
  return `${sql.range(0, set - 1)} RESET (${names.join(', ')})`;
}

function undoAlterTable(statement: ParsedStatement): string | undefined {
  const node = bodyOf(statement.node, 'AlterTableStmt');
  const cmds = node?.cmds ?? [];
  if (cmds.length !== 1) return undefined;
  const cmd = bodyOf(cmds[0], 'AlterTableCmd');
  const subtype = cmd?.subtype ?? '';
  if (subtype === 'AT_AttachPartition' && node?.objtype === 'OBJECT_TABLE') {
    const partition = bodyOf(cmd?.def, 'PartitionCmd')?.name;
    const sql = new SqlText(statement.text);
    const attach = sql.tokens.findIndex((_, i) => sql.keyword(i) === 'ATTACH');
    if (attach < 0 || !partition) return undefined;
    // The partition's name as written: the tokens after ATTACH PARTITION up to FOR/DEFAULT.
    let end = attach + 2;
    while (end + 1 < sql.tokens.length && !['FOR', 'DEFAULT'].includes(sql.keyword(end + 1))) end += 1;
    return `${sql.range(0, attach - 1).replace(/ONLY /, '')} DETACH PARTITION ${sql.range(attach + 2, end)}`;
  }
  if (subtype === 'AT_SetRelOptions' || subtype === 'AT_SetOptions') return resetOptions(statement.text);
  const undo = TABLE_UNDO[subtype];
  if (!undo) return undefined;
  const sql = new SqlText(statement.text);
  // Keep `ALTER TABLE [ONLY] name`, swap the one subcommand.
  const table = sql.tokens.findIndex((_, i) => i > 1 && ['ENABLE', 'DISABLE', 'FORCE', 'NO', 'REPLICA', 'CLUSTER', 'ALTER', 'SET', 'RESET', 'INHERIT'].includes(sql.keyword(i)));
  if (table < 0) return undefined;
  const head = sql.range(0, table - 1);
  const tail = sql.range(table, sql.tokens.length - 1);
  const swapped = undo(tail);
  return swapped === undefined ? undefined : `${head} ${swapped}`;
}

/** The undo of one definition statement, with its `;`, or undefined. */
export function undoStatement(statement: ParsedStatement): string | undefined {
  const text = statement.text;
  let undone: string | undefined;
  switch (statement.nodeType) {
    case 'CommentStmt':
    case 'SecLabelStmt':
      undone = clearLabel(text);
      break;
    case 'GrantStmt':
    case 'AlterDefaultPrivilegesStmt':
      undone = swapGrant(text);
      break;
    case 'AlterTableStmt':
      undone = undoAlterTable(statement);
      break;
    case 'AlterSeqStmt': {
      const options = bodyOf(statement.node, 'AlterSeqStmt')?.options ?? [];
      if (options.length === 1 && bodyOf(options[0], 'DefElem')?.defname === 'owned_by') undone = text.replace(/OWNED BY .*$/is, 'OWNED BY NONE');
      break;
    }
    case 'AlterDomainStmt': {
      const node = bodyOf(statement.node, 'AlterDomainStmt');
      const name = bodyOf(node?.def, 'Constraint')?.conname;
      if (node?.subtype === 'C' && name) undone = text.replace(/ADD CONSTRAINT .*$/is, `DROP CONSTRAINT ${quoteName(name)}`);
      break;
    }
    default:
      break;
  }
  return undone === undefined ? undefined : `${undone};`;
}

/** An identifier as quote_ident writes it (close enough for names the catalog gave us). */
export function quoteName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

// How a changed object is brought to its new definition without dropping
// it: the statements after its CREATE are undone or added one by one, and
// its CREATE is altered where PostgreSQL can (columns of a table, options of
// a sequence, CREATE OR REPLACE of a function with the same signature, enum
// values added, an extension updated). Undefined means: drop and create.
import { parseStatements, type ParsedStatement } from '../ddl/index.js';
import type { SchemaObject } from '../history/index.js';
import { SqlText } from './sql-tokens.js';
import { readTableHead, type TableColumn, type TableHead } from './table-columns.js';
import { alterColumns } from './table-alter.js';
import { undoStatement } from './undo.js';
import { qualifiedName } from './object-sql.js';

export interface PlannedSql {
  readonly sql: string;
  readonly transactional: boolean;
  /**
   * Out of the usual place. Not transactional: before or after the
   * transaction. Transactional: before the drops (a partition detached, an
   * inheritance undone, so their constraints become the table's own and can
   * be dropped) or after every create (INHERIT, which needs the child's
   * constraints to exist).
   */
  readonly phase?: 'before' | 'after';
}

/** Where a statement that links or unlinks a child table must run (see PlannedSql.phase). */
export function inheritancePhase(sql: string): 'before' | 'after' | undefined {
  if (/^ALTER TABLE (?:ONLY )?\S+ (?:DETACH PARTITION|NO INHERIT) /.test(sql)) return 'before';
  if (/^ALTER TABLE (?:ONLY )?\S+ INHERIT /.test(sql)) return 'after';
  return undefined;
}

function planned(sql: string): PlannedSql {
  const phase = inheritancePhase(sql);
  return phase ? { sql, transactional: true, phase } : { sql, transactional: true };
}

export interface AlterContext {
  /** Column renames of this table (old name -> new name). */
  readonly renamedColumns?: ReadonlyMap<string, string>;
  /** For a partition: its columns as its parent's own changes leave them. */
  readonly inheritedColumns?: (columns: readonly TableColumn[]) => TableColumn[];
}

export interface Alteration {
  readonly statements: PlannedSql[];
  /** Columns were dropped or retyped: views, rules, policies and triggers over the table must be made again. */
  readonly columnsChanged: boolean;
}

const splitCache = new Map<string, readonly ParsedStatement[]>();

export function statementsOf(definition: string): readonly ParsedStatement[] {
  let parsed = splitCache.get(definition);
  if (!parsed) {
    parsed = parseStatements(definition);
    if (splitCache.size > 20_000) splitCache.clear();
    splitCache.set(definition, parsed);
  }
  return parsed;
}

const stripLocations = (node: unknown): string => JSON.stringify(node, (key, value: unknown) => (key === 'location' ? undefined : value));

export function enumLabels(head: string): string[] | undefined {
  const sql = new SqlText(head);
  const at = sql.tokens.findIndex((_, i) => sql.keyword(i) === 'ENUM');
  if (at < 0 || sql.tokens[at + 1]?.text !== '(') return undefined;
  return sql.items(at + 1).map(([first, last]) => sql.range(first, last));
}

function addEnumValues(name: string, before: string[], after: string[]): PlannedSql[] | undefined {
  // The old labels must keep their order within the new ones.
  let at = 0;
  for (const label of after) if (at < before.length && label === before[at]) at += 1;
  if (at < before.length) return undefined;
  const present = new Set(before);
  const statements: PlannedSql[] = [];
  after.forEach((label, index) => {
    if (present.has(label)) return;
    const anchor = index > 0 ? `AFTER ${after[index - 1]}` : `BEFORE ${after[1]}`;
    statements.push({ sql: `ALTER TYPE ${name} ADD VALUE ${label} ${anchor};`, transactional: false, phase: 'before' });
    present.add(label);
  });
  return statements;
}

const SEQUENCE_DEFAULTS: ReadonlyArray<[RegExp, string]> = [
  [/\bAS\s/i, 'AS bigint'],
  [/\bINCREMENT\s/i, 'INCREMENT BY 1'],
  [/\bMINVALUE\s/i, 'NO MINVALUE'],
  [/\bMAXVALUE\s/i, 'NO MAXVALUE'],
  [/\bCACHE\s/i, 'CACHE 1'],
  [/(?<!NO )\bCYCLE\b/i, 'NO CYCLE'],
];

function alterSequence(before: string, after: string): PlannedSql[] | undefined {
  const options = (head: string): string => head.replace(/^CREATE\s+(?:UNLOGGED\s+)?SEQUENCE\s+\S+\s*/i, '');
  const [was, now] = [options(before), options(after)];
  if (/^CREATE\s+UNLOGGED/i.test(before) !== /^CREATE\s+UNLOGGED/i.test(after)) return undefined;
  const resets = SEQUENCE_DEFAULTS.filter(([pattern]) => pattern.test(was) && !pattern.test(now)).map(([, reset]) => reset);
  if (/\bSTART\s/i.test(was) && !/\bSTART\s/i.test(now)) {
    if (/INCREMENT BY -/i.test(now)) return undefined;
    resets.push(`START WITH ${/MINVALUE (-?\d+)/i.exec(now)?.[1] ?? '1'}`);
  }
  const name = /^CREATE\s+(?:UNLOGGED\s+)?SEQUENCE\s+(\S+)/i.exec(after)?.[1];
  const all = [now, ...resets].filter((part) => part.length > 0).join(' ');
  return name && all ? [{ sql: `ALTER SEQUENCE ${name} ${all};`, transactional: true }] : [];
}

function sameSignature(before: ParsedStatement, after: ParsedStatement): boolean {
  const a = (before.node as { CreateFunctionStmt?: Record<string, unknown> } | undefined)?.CreateFunctionStmt;
  const b = (after.node as { CreateFunctionStmt?: Record<string, unknown> } | undefined)?.CreateFunctionStmt;
  if (!a || !b) return false;
  const names = (params: unknown): string => stripLocations(params);
  return a['is_procedure'] === b['is_procedure'] && stripLocations(a['returnType']) === stripLocations(b['returnType']) && names(a['parameters']) === names(b['parameters']);
}

interface HeadResult {
  readonly statements: PlannedSql[];
  readonly columnsChanged?: boolean;
}

function alterHead(before: SchemaObject, after: SchemaObject, beforeHead: ParsedStatement, afterHead: ParsedStatement, context: AlterContext): HeadResult | undefined {
  const kind = after.kind as string;
  switch (kind) {
    case 'table': {
      const was = readTableHead(beforeHead.text);
      const now = readTableHead(afterHead.text);
      if (!was || !now || was.shape !== now.shape) return undefined;
      const columns = context.inheritedColumns ? context.inheritedColumns(was.columns) : was.columns;
      const statements = alterColumns(qualifiedName(after.key), columns, now as TableHead, context.renamedColumns);
      const columnsChanged = statements.some((sql) => / DROP COLUMN | TYPE /.test(sql));
      return { statements: statements.map((sql) => ({ sql, transactional: true })), columnsChanged };
    }
    case 'sequence': {
      const statements = alterSequence(beforeHead.text, afterHead.text);
      return statements && { statements };
    }
    case 'function':
    case 'procedure':
      return sameSignature(beforeHead, afterHead) ? { statements: [{ sql: `${afterHead.text};`, transactional: true }] } : undefined;
    case 'type': {
      const was = enumLabels(beforeHead.text);
      const now = enumLabels(afterHead.text);
      const statements = was && now ? addEnumValues(qualifiedName(after.key), was, now) : undefined;
      return statements && { statements };
    }
    case 'extension': {
      const version = /VERSION ('(?:[^']|'')*')/.exec(afterHead.text)?.[1];
      const same = beforeHead.text.replace(/ VERSION '(?:[^']|'')*'/, '') === afterHead.text.replace(/ VERSION '(?:[^']|'')*'/, '');
      return same && version ? { statements: [{ sql: `ALTER EXTENSION ${qualifiedName(after.key)} UPDATE TO ${version};`, transactional: true }] } : undefined;
    }
    case 'schema':
      // Only ownership can differ here, and it is not recorded.
      return { statements: [] };
    default:
      return undefined;
  }
}

/** In-place statements that turn `before` into `after` (same object, possibly renamed), or undefined. */
export function alterInPlace(before: SchemaObject, beforeDefinition: string, after: SchemaObject, context: AlterContext = {}): Alteration | undefined {
  const was = statementsOf(beforeDefinition);
  const now = statementsOf(after.definition);
  if (was.some((s) => s.nodeType === undefined) || now.some((s) => s.nodeType === undefined)) return undefined;
  // Default privileges are only statements to add or take back; everything else is a CREATE, then the rest.
  const headless = (after.kind as string) === 'default_acl';
  const wasHead = headless ? undefined : was[0];
  const nowHead = headless ? undefined : now[0];
  const wasTail = headless ? was : was.slice(1);
  const nowTail = headless ? now : now.slice(1);
  let head: HeadResult = { statements: [] };
  if (wasHead && nowHead && wasHead.text !== nowHead.text) {
    const altered = alterHead(before, after, wasHead, nowHead, context);
    if (!altered) return undefined;
    head = altered;
  } else if (!wasHead !== !nowHead) return undefined;
  const kept = new Set(nowTail.map((s) => s.text));
  const old = new Set(wasTail.map((s) => s.text));
  const undone: PlannedSql[] = [];
  for (const statement of wasTail) {
    if (kept.has(statement.text)) continue;
    const undo = undoStatement(statement);
    if (undo === undefined) return undefined;
    undone.push(planned(undo));
  }
  const added = nowTail.filter((s) => !old.has(s.text)).map((s): PlannedSql => planned(`${s.text};`));
  return { statements: [...undone, ...head.statements, ...added], columnsChanged: head.columnsChanged === true };
}

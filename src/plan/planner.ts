// diff(from, to, identities): the plan that turns schema `from` into schema
// `to`, as statements in the order they run:
//
//   1. enum values added (each commits on its own before it can be used);
//   2. drops, dependents first: removed objects, objects that must be made
//      again (changed where no ALTER can say it, or over a column that is
//      dropped or retyped, or over something made again);
//   3. renames known from identities (schemas, then objects, then columns);
//   4. creates and in-place changes, in dependency order (functions before
//      the tables whose defaults and checks use them, tables before
//      constraints, foreign keys last so cycles need no special case);
//   5. drops that had to wait for a table to stop using them (a sequence
//      or type a column no longer uses);
//   6. after the transaction: indexes built or dropped CONCURRENTLY on
//      tables that stay (concurrently.ts).
import type { SchemaObject } from '../history/index.js';
import { orderObjects, sameObject, SchemaTree } from '../history/index.js';
import { alterInPlace, statementsOf, type PlannedSql } from './alter-in-place.js';
import { applyParentChanges } from './table-alter.js';
import { readTableHead, type TableColumn } from './table-columns.js';
import { dropSql, qualifiedName, renameSql, tableAndName } from './object-sql.js';
import { findRenames, NameRewriter } from './renames.js';
import { classifyPlanned } from './plan-hazards.js';
import { rawNameParts } from './sql-tokens.js';
import { undoStatement } from './undo.js';
import { concurrentCreate, concurrentDrop, type ConcurrentContext } from './concurrently.js';
import { closeOverDependents } from './dependents.js';
import { dropRetiredSql, enumLosses, lossHazard, retireSql, retypeColumns } from './enum-remake.js';
import type { Hazard, Identities, PlanAction, PlanStatement } from './types.js';

export type Schema = readonly SchemaObject[] | SchemaTree;

function byKey(schema: Schema): ReadonlyMap<string, SchemaObject> {
  // A tree is keyed already: no copy, no sort (the diff of one table must not cost the schema).
  if (schema instanceof SchemaTree) return schema.asMap();
  return new Map((schema as readonly SchemaObject[]).map((object) => [object.key, object]));
}

interface Step extends PlannedSql {
  readonly object: string;
  readonly action: PlanAction;
  readonly label?: string;
  /** Hazards the statement's text does not show (see classifyPlanned). */
  readonly hazards?: readonly Hazard[];
}

export function diff(fromSchema: Schema, toSchema: Schema, identities: Identities = {}): PlanStatement[] {
  const from = byKey(fromSchema);
  const to = byKey(toSchema);
  const removed: SchemaObject[] = [];
  const added = new Map<string, SchemaObject>();
  const changed: string[] = [];
  for (const [key, object] of from) {
    const now = to.get(key);
    if (!now) removed.push(object);
    else if (now !== object && !sameObject(object, now)) changed.push(key);
  }
  for (const [key, object] of to) if (!from.has(key)) added.set(key, object);

  const renames = findRenames(removed, added, changed.filter((key) => key.startsWith('table:')).map((key) => [key, key]), identities);
  const rewriter = new NameRewriter(renames);
  const toKeyOf = (fromKey: string): string | undefined => renames.objects.get(fromKey) ?? (to.has(fromKey) ? fromKey : undefined);

  const drops = new Set<string>(); // from keys
  const creates = new Set<string>(); // to keys
  const alters = new Map<string, PlannedSql[]>(); // to key -> statements
  const columnsChanged = new Set<string>(); // from keys of tables
  const renamed = new Map(renames.objects);
  const enumRemakes = new Map<string, string[]>(); // enum key -> the values it loses

  for (const object of removed) if (!renamed.has(object.key)) drops.add(object.key);
  for (const key of added.keys()) if (![...renamed.values()].includes(key)) creates.add(key);

  // Parents before partitions, so a partition sees what its parent's change did to its columns.
  const pairs: Array<[string, string]> = [...changed.map((key): [string, string] => [key, key]), ...renamed];
  const pairOrder = new Map(orderObjects(pairs.map(([, toKey]) => to.get(toKey)!)).map((object, index) => [object.key, index]));
  pairs.sort((a, b) => pairOrder.get(a[1])! - pairOrder.get(b[1])!);
  const tableHeads = new Map<string, { from: string; to: string }>();
  for (const [fromKey, toKey] of pairs) {
    const before = from.get(fromKey)!;
    const after = to.get(toKey)!;
    const own = fromKey === toKey ? undefined : { from: rawNameParts(fromKey).parts.at(-1)!, to: rawNameParts(toKey).parts.at(-1)! };
    const beforeDefinition = rewriter.empty && !own ? before.definition : rewriter.rewrite(before.definition, own);
    if (beforeDefinition === after.definition) continue;
    const parent = partitionParent(after);
    const parentHeads = parent ? tableHeads.get(parent) : undefined;
    const inheritedColumns = parentHeads
      ? (columns: readonly TableColumn[]): TableColumn[] => applyParentChanges(readTableHead(parentHeads.from)!, readTableHead(parentHeads.to)!, columns)
      : undefined;
    const alteration = alterInPlace(before, beforeDefinition, after, { renamedColumns: renames.columns.get(toKey), inheritedColumns });
    if (alteration) {
      if (alteration.statements.length > 0) alters.set(toKey, alteration.statements);
      if (alteration.columnsChanged) columnsChanged.add(fromKey);
      if (after.kind === 'table' && alteration.statements.length > 0) {
        tableHeads.set(toKey, { from: statementsOf(beforeDefinition)[0]!.text, to: statementsOf(after.definition)[0]!.text });
      }
    } else {
      drops.add(fromKey);
      creates.add(toKey);
      renamed.delete(fromKey);
      const losses = enumLosses(before, after);
      if (losses) enumRemakes.set(fromKey, losses);
    }
  }

  remakeWithBaseTypes(from, to, drops, creates);
  const retyped = new Map<string, Set<string>>();
  const late = closeOverDependents(from, to, { drops, creates, alters, renamed, columnsChanged, toKeyOf, enumRemakes: new Set(enumRemakes.keys()), retyped });
  castOverColumns(to, retyped, drops, toKeyOf, alters);

  const steps: Step[] = [];
  for (const [key, statements] of alters) for (const s of statements) if (s.phase === 'before') steps.push({ ...s, object: key, action: 'alter' });
  const dropOrder = (keys: Iterable<string>): SchemaObject[] => orderObjects([...keys].map((key) => from.get(key)!)).reverse();
  const early = [...drops].filter((key) => !late.has(key));
  const concurrency: ConcurrentContext = { from, to, creates, altered: new Set(alters.keys()), drops, columnsChanged };
  const afterwards: Step[] = []; // CONCURRENTLY: after the transaction
  for (const object of dropOrder(early)) {
    if (takenByTable(object, drops, late) || takenByType(object, drops)) continue;
    if (enumRemakes.has(object.key)) {
      steps.push({ sql: retireSql(object), transactional: true, object: object.key, action: 'rename' });
      continue;
    }
    const concurrent = concurrentDrop(object, concurrency);
    if (concurrent) afterwards.push({ sql: concurrent, transactional: false, phase: 'after', object: object.key, action: 'drop' });
    else steps.push(...dropSteps(object, drops));
  }
  steps.push(...renameSteps(from, renamed, renames.columns));
  const building = orderObjects([...new Set([...creates, ...alters.keys()])].map((key) => to.get(key)!));
  const deferred = deferredAttachments(building, creates, to);
  const linked: Step[] = []; // INHERIT of altered tables: after the constraints it needs
  for (const object of building) {
    if (creates.has(object.key)) {
      const replaced = drops.has(object.key) || [...drops].some((key) => toKeyOf(key) === object.key);
      const action = replaced ? 'replace' : 'create';
      const concurrent = concurrentCreate(object, concurrency);
      if (concurrent) afterwards.push({ sql: concurrent, transactional: false, phase: 'after', object: object.key, action });
      else {
        const losses = enumRemakes.get(object.key);
        steps.push({ sql: withoutDeferred(object, deferred), transactional: true, object: object.key, action, ...(losses ? { hazards: [lossHazard(object, losses)] } : {}) });
      }
    } else {
      for (const s of alters.get(object.key)!) {
        if (s.phase === 'before') continue;
        (s.transactional && s.phase === 'after' ? linked : steps).push({ ...s, object: object.key, action: 'alter' });
      }
    }
  }
  for (const [key, { sql }] of deferred) steps.push({ sql, transactional: true, object: key, action: 'create' });
  steps.push(...linked);
  for (const object of dropOrder(late)) steps.push(...dropSteps(object, drops));
  for (const key of enumRemakes.keys()) steps.push({ sql: dropRetiredSql(from.get(key)!), transactional: true, object: key, action: 'drop' });
  steps.push(...afterwards);
  return classifyPlanned(steps, createdTables(to, creates));
}

/**
 * The columns of tables over a remade enum are cast over to the new type,
 * before the table's other changes. A partition or inheritance child whose
 * parent is cast over gets it from the parent.
 */
function castOverColumns(
  to: ReadonlyMap<string, SchemaObject>,
  retyped: ReadonlyMap<string, ReadonlySet<string>>,
  drops: ReadonlySet<string>,
  toKeyOf: (fromKey: string) => string | undefined,
  alters: Map<string, PlannedSql[]>,
): void {
  const tables = new Set([...retyped.keys()].filter((key) => !drops.has(key)).map((key) => toKeyOf(key)!));
  for (const [fromKey, types] of retyped) {
    const toKey = toKeyOf(fromKey);
    if (drops.has(fromKey) || toKey === undefined) continue;
    const table = to.get(toKey)!;
    if (parentsOf(table).some((parent) => tables.has(parent))) continue;
    const statements = [...types].flatMap((type) => retypeColumns(table, to.get(type)!)).map((sql): PlannedSql => ({ sql, transactional: true }));
    if (statements.length > 0) alters.set(toKey, [...statements, ...(alters.get(toKey) ?? [])]);
  }
}

/** The tables a table inherits from or is a partition of. */
function parentsOf(table: SchemaObject): string[] {
  const attached = partitionParent(table);
  const inherits = /^INHERITS \((.*)\);?$/m.exec(table.definition)?.[1]?.split(', ') ?? [];
  const late = [...table.definition.matchAll(/^ALTER TABLE \S+ INHERIT (\S+);$/gm)].map((m) => m[1]!);
  return [...(attached ? [attached] : []), ...[...inherits, ...late].map((name) => `table:${name}`)];
}

/**
 * A new partition of a table that already exists: attached last, after its
 * own indexes exist, so PostgreSQL attaches those (instead of building its
 * own copies under other names), and after it got its parent's CHECK
 * constraints, which ATTACH requires and then takes as inherited. A new
 * child of an existing table (INHERIT) likewise waits for the constraints
 * it must share with its parent. Table key -> the statements, and the
 * lines they take out of the table's definition.
 */
function deferredAttachments(building: readonly SchemaObject[], creates: ReadonlySet<string>, to: ReadonlyMap<string, SchemaObject>): Map<string, { sql: string; lines: string[] }> {
  const deferred = new Map<string, { sql: string; lines: string[] }>();
  for (const object of building) {
    if (!creates.has(object.key) || object.kind !== 'table') continue;
    const parent = partitionParent(object);
    if (parent !== undefined && !creates.has(parent)) {
      const attach = /^ALTER TABLE ONLY \S+ ATTACH PARTITION .*$/m.exec(object.definition)![0];
      const checks = parentChecks(to, parent, qualifiedName(object.key));
      deferred.set(object.key, { sql: [...checks, attach].join('\n'), lines: [attach] });
      continue;
    }
    const inherits = [...object.definition.matchAll(/^ALTER TABLE \S+ INHERIT (\S+);$/gm)].filter((m) => !creates.has(`table:${m[1]}`)).map((m) => m[0]);
    if (inherits.length > 0) deferred.set(object.key, { sql: inherits.join('\n'), lines: inherits });
  }
  return deferred;
}

/** The parent's CHECK constraints (but NO INHERIT ones) added to a table about to become its partition. */
function parentChecks(to: ReadonlyMap<string, SchemaObject>, parent: string, partition: string): string[] {
  const prefix = `constraint:${parent.slice('table:'.length)}.`;
  const checks: string[] = [];
  for (const [key, object] of to) {
    if (!key.startsWith(prefix)) continue;
    const add = object.definition.split('\n', 1)[0]!;
    const match = /^ALTER TABLE (?:ONLY )?\S+ (ADD CONSTRAINT \S+ CHECK .*);$/.exec(add);
    if (match && !/ NO INHERIT( NOT VALID)?;$/.test(add)) checks.push(`ALTER TABLE ${partition} ${match[1]};`);
  }
  return checks;
}

/** The definition without what a deferred ATTACH PARTITION does itself. */
function withoutDeferred(object: SchemaObject, deferred: ReadonlyMap<string, { sql: string; lines: string[] }>): string {
  if (deferred.size === 0) return object.definition;
  const own = deferred.get(object.key);
  if (own) return own.lines.reduce((text, line) => text.replace(line, ''), object.definition).replace(/\n\n+/g, '\n').trim();
  const table = object.kind === 'index' ? object.dependsOn.find((dep) => dep.startsWith('table:')) : object.kind === 'constraint' ? `table:${tableAndName(object.key).table}` : undefined;
  if (table === undefined || !deferred.get(table)?.lines[0]?.includes(' ATTACH PARTITION ')) return object.definition;
  return object.definition.replace(/^ALTER INDEX \S+ ATTACH PARTITION .*$\n?/gm, '').trim();
}

/** The partitioned table a table is attached to, from its ATTACH PARTITION. */
function partitionParent(table: SchemaObject): string | undefined {
  if (table.kind !== 'table') return undefined;
  const match = /^ALTER TABLE ONLY (\S+) ATTACH PARTITION /m.exec(table.definition);
  return match ? `table:${match[1]}` : undefined;
}

/**
 * An index or constraint that hangs off another (attached to a partitioned
 * index, or inherited from a parent's constraint) goes with its parent and
 * cannot be dropped alone; an attached one also goes with its partition,
 * and a constraint (but a foreign key) with its table.
 */
function takenByTable(object: SchemaObject, drops: ReadonlySet<string>, late: ReadonlySet<string>): boolean {
  if (object.kind !== 'index' && object.kind !== 'constraint') return false;
  const gone = (key: string): boolean => drops.has(key) && !late.has(key);
  const foreignKey = / FOREIGN KEY \(/.test(object.definition.split('\n', 1)[0]!);
  if (!foreignKey && object.dependsOn.some((dep) => (dep.startsWith('index:') || dep.startsWith('constraint:')) && gone(dep))) return true;
  // DROP TABLE takes the table's own constraints, and only it can take one that is also inherited.
  if (object.kind === 'constraint' && !foreignKey && gone(`table:${tableAndName(object.key).table}`)) return true;
  if (!/^ALTER INDEX \S+ ATTACH PARTITION /m.test(object.definition)) return false;
  const table = object.kind === 'index' ? object.dependsOn.find((dep) => dep.startsWith('table:')) : `table:${tableAndName(object.key).table}`;
  return table !== undefined && gone(table);
}

/**
 * A base type dropped for good or made again is dropped with CASCADE (its
 * I/O functions depend on it and it on them); its shell and those functions
 * go with it, so they are made again too when they stay.
 */
function remakeWithBaseTypes(from: ReadonlyMap<string, SchemaObject>, to: ReadonlyMap<string, SchemaObject>, drops: Set<string>, creates: Set<string>): void {
  for (const key of [...drops]) {
    const shell = `shell_type:${key.slice('type:'.length)}`;
    if (!key.startsWith('type:') || !from.has(shell)) continue;
    drops.add(shell);
    if (to.has(shell)) creates.add(shell);
  }
}

/** The shell of a dropped base type, and the I/O functions written over that shell, go with the type's DROP ... CASCADE. */
function takenByType(object: SchemaObject, drops: ReadonlySet<string>): boolean {
  const shells = object.kind === 'shell_type' ? [object.key] : object.kind === 'function' ? object.dependsOn.filter((dep) => dep.startsWith('shell_type:')) : [];
  return shells.some((shell) => drops.has(`type:${shell.slice('shell_type:'.length)}`));
}

function dropSteps(object: SchemaObject, drops: ReadonlySet<string>): Step[] {
  let sql = dropSql(object);
  if (sql !== undefined && object.kind === 'table') {
    // DROP TABLE takes the sequences its columns own; those that stay are set free first.
    const kept = [...object.definition.matchAll(/^ALTER SEQUENCE (\S+) OWNED BY /gm)].map((m) => m[1]!).filter((name) => !drops.has(`sequence:${name}`));
    sql = [...kept.map((name) => `ALTER SEQUENCE ${name} OWNED BY NONE;`), sql].join('\n');
  }
  if (sql !== undefined) return [{ sql, transactional: true, object: object.key, action: 'drop' }];
  // No DROP for this kind (default privileges): take back each of its statements.
  const undone = statementsOf(object.definition).map((statement) => undoStatement(statement)).filter((s): s is string => s !== undefined);
  return undone.length > 0 ? [{ sql: undone.join('\n'), transactional: true, object: object.key, action: 'drop' }] : [];
}

const RENAME_RANK = (kind: string): number => (kind === 'schema' ? 0 : ['constraint', 'trigger', 'policy', 'rule'].includes(kind) ? 2 : 1);

function renameSteps(from: ReadonlyMap<string, SchemaObject>, renamed: ReadonlyMap<string, string>, columns: ReadonlyMap<string, ReadonlyMap<string, string>>): Step[] {
  const steps: Step[] = [];
  const schemas = new Map<string, string>();
  const ordered = [...renamed].sort(([a], [b]) => RENAME_RANK(from.get(a)!.kind) - RENAME_RANK(from.get(b)!.kind));
  for (const [fromKey, toKey] of ordered) {
    const kind = from.get(fromKey)!.kind;
    const { parts, args } = rawNameParts(fromKey);
    if (kind === 'schema') schemas.set(parts[0]!, rawNameParts(toKey).parts[0]!);
    // A schema renamed before: the object is already in it under the new schema name.
    const current = kind !== 'schema' && schemas.has(parts[0]!) ? `${kind}:${[schemas.get(parts[0]!), ...parts.slice(1)].join('.')}${args}` : fromKey;
    const sql = renameSql(kind, current, toKey);
    if (sql.length > 0) steps.push({ sql: sql.join('\n'), transactional: true, object: toKey, action: 'rename' });
  }
  for (const [tableKey, names] of columns) {
    const table = qualifiedName(tableKey);
    for (const [old, now] of names) {
      steps.push({ sql: `ALTER TABLE ${table} RENAME COLUMN ${old} TO ${now};`, transactional: true, object: tableKey, action: 'rename', label: `rename column ${table}.${old} -> ${now}` });
    }
  }
  return steps;
}

/** Tables made in this plan, as `schema.name` (unquoted): lock and scan hazards on them mean nothing. */
function createdTables(to: ReadonlyMap<string, SchemaObject>, creates: ReadonlySet<string>): Set<string> {
  const tables = new Set<string>();
  for (const key of creates) {
    const object = to.get(key)!;
    if (object.kind === 'table' || object.kind === 'materialized_view') tables.add(`${object.schema}.${object.name}`);
  }
  return tables;
}

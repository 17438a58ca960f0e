// Indexes built and dropped without blocking writes: CREATE / DROP INDEX
// CONCURRENTLY cannot run in a transaction block, so the planner places
// them after the transaction (where psql runs each statement on its own).
// Only where nothing else in the plan needs the change in the transaction:
// an index on a table that already exists (a table the plan creates is
// empty, and nobody waits on it), not on a partitioned table (PostgreSQL
// refuses CONCURRENTLY there), not attached to a parent index, and nothing
// the plan creates or alters uses it; a dropped index only when its table
// stays with its columns unchanged and no relation of that name is made.
import type { SchemaObject } from '../history/index.js';
import { qualifiedName } from './object-sql.js';

export interface ConcurrentContext {
  readonly from: ReadonlyMap<string, SchemaObject>;
  readonly to: ReadonlyMap<string, SchemaObject>;
  /** To keys created in the plan. */
  readonly creates: ReadonlySet<string>;
  /** To keys altered in place. */
  readonly altered: ReadonlySet<string>;
  /** From keys dropped in the plan. */
  readonly drops: ReadonlySet<string>;
  /** From keys of tables whose columns the plan drops or retypes. */
  readonly columnsChanged: ReadonlySet<string>;
}

const ATTACHED = /^ALTER INDEX \S+ ATTACH PARTITION /m;

function tableOf(index: SchemaObject): string | undefined {
  return index.dependsOn.find((dep) => dep.startsWith('table:') || dep.startsWith('materialized_view:'));
}

function plainTable(key: string | undefined, side: ReadonlyMap<string, SchemaObject>): boolean {
  const table = key === undefined ? undefined : side.get(key);
  return table !== undefined && !/\)\nPARTITION BY /.test(table.definition);
}

/** The index's definition with CREATE INDEX CONCURRENTLY, or undefined when it must be built in the transaction. */
export function concurrentCreate(index: SchemaObject, context: ConcurrentContext): string | undefined {
  if (index.kind !== 'index' || ATTACHED.test(index.definition)) return undefined;
  const table = tableOf(index);
  if (table === undefined || context.creates.has(table) || !context.from.has(table) || !plainTable(table, context.to)) return undefined;
  for (const object of context.to.values()) {
    if ((context.creates.has(object.key) || context.altered.has(object.key)) && object.dependsOn.includes(index.key)) return undefined;
  }
  const concurrent = index.definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX CONCURRENTLY ');
  return concurrent === index.definition ? undefined : concurrent;
}

/** DROP INDEX CONCURRENTLY for an index dropped for good from a table that stays as it was, or undefined. */
export function concurrentDrop(index: SchemaObject, context: ConcurrentContext): string | undefined {
  if (index.kind !== 'index' || ATTACHED.test(index.definition)) return undefined;
  const table = tableOf(index);
  if (table === undefined || context.drops.has(table) || context.columnsChanged.has(table) || !plainTable(table, context.from)) return undefined;
  if (context.to.has(index.key)) return undefined;
  // Relations share one namespace: a new relation may take the name once the index is gone.
  const name = index.key.slice(index.key.indexOf(':') + 1);
  for (const key of context.creates) if (key.slice(key.indexOf(':') + 1) === name) return undefined;
  return `DROP INDEX CONCURRENTLY ${qualifiedName(index.key)};`;
}

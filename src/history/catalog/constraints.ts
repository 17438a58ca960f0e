// Table constraints as objects of their own (ALTER TABLE ... ADD CONSTRAINT),
// so foreign keys may form cycles: primary key, unique, exclusion (ONLY, and
// for a partition's copy of its parent's constraint ALTER INDEX ... ATTACH
// PARTITION, as pg_dump does, so names survive), check (not ONLY: it reaches
// the children that inherit it), foreign key (not ONLY: a partitioned table's
// foreign key reaches its partitions). Copies a child gets from its parent
// (inherited checks, cloned foreign keys) are not objects: the parent's
// constraint makes them. The storage options, CLUSTER ON and REPLICA
// IDENTITY USING INDEX of the constraint's index, and the comments on the
// constraint and its index, belong to it.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { reloption } from './columns.js';
import { commentLine, inFilter, lines, notExtensionMember, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, t.relname AS table_name, k.conname AS name, q.qtable, quote_ident(k.conname) AS qname, k.contype AS type,
  pg_get_constraintdef(k.oid) AS def,
  (SELECT ${qualified('n.nspname', 'ci.relname')} FROM pg_class ci WHERE ci.oid = k.conindid) AS index_name,
  (SELECT quote_ident(ci.relname) FROM pg_class ci WHERE ci.oid = k.conindid) AS index_ident,
  -- a partition's key index attached to its parent's index (a constraint's or a plain one)
  CASE WHEN k.contype IN ('p', 'u', 'x') THEN (SELECT ${qualified('pn.nspname', 'pi.relname')} FROM pg_inherits h
      JOIN pg_class pi ON pi.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = pi.relnamespace WHERE h.inhrelid = k.conindid) END AS parent_index,
  (SELECT ci.reloptions::text[] FROM pg_class ci WHERE ci.oid = i.indexrelid) AS index_options,
  -- A NOT VALID check merged into a child's own valid one of that name came
  -- after it: the child's must exist first (the other way round is refused).
  CASE WHEN k.contype = 'c' AND NOT k.convalidated THEN (SELECT array_agg('constraint:' || ${qualified('cn.nspname', 'c.relname')} || '.' || quote_ident(ck.conname))
    FROM pg_inherits h JOIN pg_constraint ck ON ck.conrelid = h.inhrelid AND ck.conname = k.conname AND ck.contype = 'c' AND ck.conislocal AND ck.convalidated
      JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace WHERE h.inhparent = k.conrelid) END AS requires,
  coalesce(i.indisclustered, false) AS clustered, coalesce(i.indisreplident, false) AS replica_identity,
  ${commentLine(`format('CONSTRAINT %I ON %s', k.conname, q.qtable)`, 'pg_constraint', 'k.oid')} AS comment,
  CASE WHEN k.contype IN ('p', 'u', 'x') THEN ${commentLine(`'INDEX ' || (SELECT ${qualified('n.nspname', 'ci.relname')} FROM pg_class ci WHERE ci.oid = k.conindid)`, 'pg_class', 'k.conindid')} END AS index_comment
FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.relname')} AS qtable) q
  LEFT JOIN pg_index i ON i.indexrelid = k.conindid AND k.contype IN ('p', 'u', 'x')
WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND NOT (k.contype = 'c' AND NOT k.conislocal) AND NOT (k.contype = 'f' AND k.conparentid <> 0)
  AND t.relkind IN ('r', 'p', 'f') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 't.oid')} AND ${inFilter('k.oid')}`;

const STATEMENT = familyStatement('constraints', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  table_name: string;
  name: string;
  qtable: string;
  qname: string;
  type: 'p' | 'u' | 'f' | 'c' | 'x';
  def: string;
  index_name: string | null;
  index_ident: string | null;
  parent_index: string | null;
  index_options: string[] | null;
  clustered: boolean;
  replica_identity: boolean;
  comment: string | null;
  index_comment: string | null;
  requires: string[] | null;
}

function definition(row: Row): string {
  const indexed = row.type === 'p' || row.type === 'u' || row.type === 'x';
  const add = `ALTER TABLE ${indexed ? 'ONLY ' : ''}${row.qtable} ADD CONSTRAINT ${row.qname} ${row.def};`;
  return lines(
    add,
    row.index_options?.length ? `ALTER INDEX ${row.index_name} SET (${row.index_options.map(reloption).join(', ')});` : null,
    row.parent_index && row.index_name ? `ALTER INDEX ${row.parent_index} ATTACH PARTITION ${row.index_name};` : null,
    row.clustered ? `ALTER TABLE ${row.qtable} CLUSTER ON ${row.index_ident};` : null,
    row.replica_identity ? `ALTER TABLE ONLY ${row.qtable} REPLICA IDENTITY USING INDEX ${row.index_ident};` : null,
    row.comment,
    row.index_comment,
  );
}

export const readConstraints: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'constraints');
  return rows.map(
    (row): CatalogObject => ({
      key: `constraint:${row.qtable}.${row.qname}`,
      kind: 'constraint',
      schema: row.schema,
      name: row.name,
      definition: definition(row),
      ...(row.requires ? { requires: row.requires } : {}),
    }),
  );
};

/** True for a constraint definition written by this family that adds a foreign key (it is created after the others). */
export function isForeignKeyDefinition(definition: string): boolean {
  return /^ALTER TABLE (?:ONLY )?(?:"(?:[^"]|"")*"|[^\s".]+)\.(?:"(?:[^"]|"")*"|[^\s".]+) ADD CONSTRAINT (?:"(?:[^"]|"")*"|[^\s"]+) FOREIGN KEY /.test(
    definition,
  );
}

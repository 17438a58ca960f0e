// Indexes that do not back a constraint (those belong to the constraint).
// pg_get_indexdef writes a partitioned table's index as ON ONLY; a
// partition's index that is attached to it is written with ALTER INDEX ...
// ATTACH PARTITION, as pg_dump does, so both keep their names. CLUSTER ON,
// REPLICA IDENTITY USING INDEX and the comment belong to the index. Invalid
// indexes (a failed CREATE INDEX CONCURRENTLY) are not schema.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, ci.relname AS name, q.qname, quote_ident(ci.relname) AS ident,
  ${qualified('tn.nspname', 't.relname')} AS qtable, pg_get_indexdef(ci.oid) AS def,
  (SELECT ${qualified('pn.nspname', 'pi.relname')} FROM pg_inherits h JOIN pg_class pi ON pi.oid = h.inhparent
    JOIN pg_namespace pn ON pn.oid = pi.relnamespace WHERE h.inhrelid = ci.oid) AS parent_index,
  i.indisclustered AS clustered, i.indisreplident AS replica_identity,
  (SELECT string_agg(format('ALTER INDEX %s ALTER COLUMN %s SET STATISTICS %s;', q.qname, a.attnum, a.attstattarget), E'\\n' ORDER BY a.attnum)
    FROM pg_attribute a WHERE a.attrelid = ci.oid AND a.attnum > 0 AND a.attstattarget > 0) AS statistics,
  ${commentLine(`'INDEX ' || q.qname`, 'pg_class', 'ci.oid')} AS comment
FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ci.relnamespace
  JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'ci.relname')} AS qname) q
WHERE t.relkind IN ('r', 'p', 'm') AND (i.indisvalid OR t.relkind = 'p') AND ${userSchema('n')}
  AND ${notExtensionMember('pg_class', 't.oid')} AND ${inFilter('ci.oid')}
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))`;

const STATEMENT = familyStatement('indexes', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  ident: string;
  qtable: string;
  def: string;
  parent_index: string | null;
  clustered: boolean;
  replica_identity: boolean;
  statistics: string | null;
  comment: string | null;
}

export const readIndexes: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'relations');
  return rows.map(
    (row): CatalogObject => ({
      key: `index:${row.qname}`,
      kind: 'index',
      schema: row.schema,
      name: row.name,
      definition: lines(
        `${row.def};`,
        row.parent_index ? `ALTER INDEX ${row.parent_index} ATTACH PARTITION ${row.qname};` : null,
        row.clustered ? `ALTER TABLE ${row.qtable} CLUSTER ON ${row.ident};` : null,
        row.replica_identity ? `ALTER TABLE ONLY ${row.qtable} REPLICA IDENTITY USING INDEX ${row.ident};` : null,
        row.statistics,
        row.comment,
      ),
    }),
  );
};

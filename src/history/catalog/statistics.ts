// Extended statistics (CREATE STATISTICS), with their statistics target and
// comment.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, ownerLine, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, s.stxname AS name, q.qname, pg_get_statisticsobjdef(s.oid) AS def,
  CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget END AS target,
  ${commentLine(`'STATISTICS ' || q.qname`, 'pg_statistic_ext', 's.oid')} AS comment,
  ${ownerLine(`'STATISTICS ' || q.qname`, 's.stxowner')} AS owner
FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace JOIN pg_class t ON t.oid = s.stxrelid
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 's.stxname')} AS qname) q
WHERE t.relkind IN ('r', 'p', 'm') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 's.stxrelid')} AND ${inFilter('s.oid')}`;

const STATEMENT = familyStatement('statistics', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  def: string;
  target: number | null;
  comment: string | null;
  owner: string;
}

export const readStatistics: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'statistics');
  return rows.map(
    (row): CatalogObject => ({
      key: `statistics:${row.qname}`,
      kind: 'statistics',
      schema: row.schema,
      name: row.name,
      definition: lines(
        `${row.def};`,
        row.target === null ? null : `ALTER STATISTICS ${row.qname} SET STATISTICS ${row.target};`,
        row.comment,
        row.owner,
      ),
    }),
  );
};

// Encoding conversions: CREATE [DEFAULT] CONVERSION, comment, owner.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, ownerLine, qualified, quoteLiteral, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, c.conname AS name, q.qname, c.condefault AS is_default,
  pg_encoding_to_char(c.conforencoding) AS source, pg_encoding_to_char(c.contoencoding) AS target, c.conproc::regproc::text AS function,
  ${commentLine(`'CONVERSION ' || q.qname`, 'pg_conversion', 'c.oid')} AS comment,
  ${ownerLine(`'CONVERSION ' || q.qname`, 'c.conowner')} AS owner
FROM pg_conversion c JOIN pg_namespace n ON n.oid = c.connamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'c.conname')} AS qname) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_conversion', 'c.oid')} AND ${inFilter('c.oid')}`;

const STATEMENT = familyStatement('conversions', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  is_default: boolean;
  source: string;
  target: string;
  function: string;
  comment: string | null;
  owner: string;
}

export const readConversions: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'whole');
  return rows.map(
    (row): CatalogObject => ({
      key: `conversion:${row.qname}`,
      kind: 'conversion',
      schema: row.schema,
      name: row.name,
      definition: lines(
        `CREATE ${row.is_default ? 'DEFAULT ' : ''}CONVERSION ${row.qname} FOR ${quoteLiteral(row.source)} TO ${quoteLiteral(row.target)} FROM ${row.function};`,
        row.comment,
        row.owner,
      ),
    }),
  );
};

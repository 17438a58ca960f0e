// Extensions: CREATE EXTENSION IF NOT EXISTS ... WITH SCHEMA ... VERSION ...
// (IF NOT EXISTS because plpgsql comes with every database). The objects an
// extension creates are not recorded one by one; the comment only when it
// differs from the one the extension's control file gives.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentOf, inFilter, lines, quoteLiteral } from './sql.js';

const SQL = `
SELECT x.extname AS name, quote_ident(x.extname) AS qname, quote_ident(n.nspname) AS schema, quote_literal(x.extversion) AS version,
  ${commentOf('pg_extension', 'x.oid')} AS comment,
  (SELECT a.comment FROM pg_available_extensions a WHERE a.name = x.extname) AS default_comment
FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
WHERE ${inFilter('x.oid')}`;

const STATEMENT = familyStatement('extensions', SQL);

interface Row extends Record<string, unknown> {
  name: string;
  qname: string;
  schema: string;
  version: string;
  comment: string | null;
  default_comment: string | null;
}

export const readExtensions: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'extensions');
  return rows.map(
    (row): CatalogObject => ({
      key: `extension:${row.qname}`,
      kind: 'extension',
      schema: null,
      name: row.name,
      definition: lines(
        `CREATE EXTENSION IF NOT EXISTS ${row.qname} WITH SCHEMA ${row.schema} VERSION ${row.version};`,
        row.comment === row.default_comment
          ? null
          : `COMMENT ON EXTENSION ${row.qname} IS ${row.comment === null ? 'NULL' : quoteLiteral(row.comment)};`,
      ),
    }),
  );
};

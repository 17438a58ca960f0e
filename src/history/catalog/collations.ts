// Collations made with CREATE COLLATION: provider, locale(s) and
// determinism, and the comment.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, ownerLine, qualified, quoteLiteral, userSchema } from './sql.js';

// to_jsonb reads the ICU locale whatever this server version calls it.
const SQL = `
SELECT n.nspname AS schema, c.collname AS name, q.qname, c.collprovider AS provider, c.collisdeterministic AS deterministic,
  c.collcollate AS collate, c.collctype AS ctype, coalesce(to_jsonb(c) ->> 'colliculocale', to_jsonb(c) ->> 'colllocale') AS locale,
  ${commentLine(`'COLLATION ' || q.qname`, 'pg_collation', 'c.oid')} AS comment,
  ${ownerLine(`'COLLATION ' || q.qname`, 'c.collowner')} AS owner
FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'c.collname')} AS qname) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_collation', 'c.oid')} AND ${inFilter('c.oid')}`;

const STATEMENT = familyStatement('collations', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  provider: 'c' | 'i' | 'd';
  deterministic: boolean;
  collate: string | null;
  ctype: string | null;
  locale: string | null;
  comment: string | null;
  owner: string;
}

function options(row: Row): string[] {
  const out: string[] = [];
  if (row.provider === 'i') {
    out.push('provider = icu', `locale = ${quoteLiteral(row.locale ?? '')}`);
  } else {
    out.push('provider = libc');
    if (row.collate === row.ctype) out.push(`locale = ${quoteLiteral(row.collate ?? '')}`);
    else out.push(`lc_collate = ${quoteLiteral(row.collate ?? '')}`, `lc_ctype = ${quoteLiteral(row.ctype ?? '')}`);
  }
  if (!row.deterministic) out.push('deterministic = false');
  return out;
}

export const readCollations: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'collations');
  return rows.map(
    (row): CatalogObject => ({
      key: `collation:${row.qname}`,
      kind: 'collation',
      schema: row.schema,
      name: row.name,
      definition: lines(`CREATE COLLATION ${row.qname} (${options(row).join(', ')});`, row.comment, row.owner),
    }),
  );
};

// Views (with their options and CHECK OPTION) and materialized views
// (WITH NO DATA: their rows are data, and REFRESH fills them). Column
// defaults of views, comments on the view and its columns, privileges.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { columnSettings, columnsSql, reloption, type Column } from './columns.js';
import { aclLines, columnAclLines, ownerLine, commentLine, inFilter, lines, notExtensionMember, qualified, userSchema } from './sql.js';

const SQL = `
SELECT n.nspname AS schema, c.relname AS name, q.qname, c.relkind AS kind, pg_get_viewdef(c.oid) AS def,
  c.reloptions::text[] AS options,
  CASE WHEN c.relkind = 'm' THEN ${columnsSql('c.oid')} END AS columns,
  CASE WHEN c.relkind = 'm' AND am.amname <> 'heap' THEN quote_ident(am.amname) END AS access_method,
  (SELECT string_agg(format('ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s;', q.qname, a.attname, pg_get_expr(ad.adbin, ad.adrelid)), E'\\n' ORDER BY a.attnum)
    FROM pg_attribute a JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS column_defaults,
  ${commentLine(`CASE c.relkind WHEN 'v' THEN 'VIEW ' ELSE 'MATERIALIZED VIEW ' END || q.qname`, 'pg_class', 'c.oid')} AS comment,
  (SELECT string_agg(format('COMMENT ON COLUMN %s.%I IS %L;', q.qname, a.attname, d.description), E'\\n' ORDER BY a.attnum)
    FROM pg_attribute a JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = a.attrelid AND d.objsubid = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS column_comments,
  ${aclLines({ acl: 'c.relacl', owner: 'c.relowner', type: 'r', target: `'TABLE ' || q.qname` })} AS grants,
  ${columnAclLines('c.oid', 'c.relowner', `'TABLE ' || q.qname`)} AS column_grants,
  ${ownerLine(`CASE c.relkind WHEN 'v' THEN 'VIEW ' ELSE 'MATERIALIZED VIEW ' END || q.qname`, 'c.relowner')} AS owner
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_am am ON am.oid = c.relam
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'c.relname')} AS qname) q
WHERE c.relkind IN ('v', 'm') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')} AND ${inFilter('c.oid')}`;

const STATEMENT = familyStatement('views', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  kind: 'v' | 'm';
  def: string;
  options: string[] | null;
  /** A materialized view's columns, for their storage settings. */
  columns: Column[] | null;
  access_method: string | null;
  column_defaults: string | null;
  comment: string | null;
  column_comments: string | null;
  grants: string | null;
  column_grants: string | null;
  owner: string;
}

function create(row: Row): string {
  const query = row.def.replace(/;\s*$/, '');
  const all = row.options ?? [];
  const checkOption = all.find((option) => option.startsWith('check_option='))?.slice('check_option='.length);
  const options = all.filter((option) => !option.startsWith('check_option='));
  const withOptions = options.length > 0 ? ` WITH (${options.map(reloption).join(', ')})` : '';
  if (row.kind === 'm') {
    const using = row.access_method ? ` USING ${row.access_method}` : '';
    return `CREATE MATERIALIZED VIEW ${row.qname}${using}${withOptions} AS\n${query}\n  WITH NO DATA;`;
  }
  const check = checkOption ? `\n  WITH ${checkOption.toUpperCase()} CHECK OPTION` : '';
  return `CREATE VIEW ${row.qname}${withOptions} AS\n${query}${check};`;
}

export const readViews: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'relations');
  return rows.map(
    (row): CatalogObject => ({
      key: `${row.kind === 'v' ? 'view' : 'materialized_view'}:${row.qname}`,
      kind: row.kind === 'v' ? 'view' : 'materialized_view',
      schema: row.schema,
      name: row.name,
      definition: lines(create(row), ...(row.columns ?? []).flatMap((column) => columnSettings(row.qname, column)), row.column_defaults, row.comment, row.column_comments, row.grants, row.column_grants, row.owner),
    }),
  );
};

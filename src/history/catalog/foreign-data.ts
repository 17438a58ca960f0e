// Foreign data wrappers, foreign servers and user mappings. A user mapping
// is recorded without its OPTIONS: they hold the remote credentials, which
// never reach the store (a replay maps the user, and the options are set
// again by hand). Foreign tables are in tables.ts.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, commentLine, inFilter, lines, notExtensionMember, ownerLine } from './sql.js';

/** ` OPTIONS (k 'v', ...)` of an options array, or an empty string. */
export function optionsClause(column: string): string {
  return `coalesce((SELECT ' OPTIONS (' || string_agg(format('%I %L', o.option_name, o.option_value), ', ' ORDER BY o.ord) || ')'
    FROM pg_options_to_table(${column}) WITH ORDINALITY AS o(option_name, option_value, ord)), '')`;
}

const WRAPPERS_SQL = `
SELECT w.fdwname AS name, quote_ident(w.fdwname) AS qname,
  format('CREATE FOREIGN DATA WRAPPER %I%s%s%s;', w.fdwname,
    CASE WHEN w.fdwhandler <> 0 THEN ' HANDLER ' || w.fdwhandler::regproc::text ELSE '' END,
    CASE WHEN w.fdwvalidator <> 0 THEN ' VALIDATOR ' || w.fdwvalidator::regproc::text ELSE '' END,
    ${optionsClause('w.fdwoptions')}) AS create,
  ${commentLine(`'FOREIGN DATA WRAPPER ' || quote_ident(w.fdwname)`, 'pg_foreign_data_wrapper', 'w.oid')} AS comment,
  ${aclLines({ acl: 'w.fdwacl', owner: 'w.fdwowner', type: 'F', target: `'FOREIGN DATA WRAPPER ' || quote_ident(w.fdwname)` })} AS grants,
  ${ownerLine(`'FOREIGN DATA WRAPPER ' || quote_ident(w.fdwname)`, 'w.fdwowner')} AS owner
FROM pg_foreign_data_wrapper w
WHERE ${notExtensionMember('pg_foreign_data_wrapper', 'w.oid')} AND ${inFilter('w.oid')}`;

const SERVERS_SQL = `
SELECT s.srvname AS name, quote_ident(s.srvname) AS qname,
  format('CREATE SERVER %I%s%s FOREIGN DATA WRAPPER %I%s;', s.srvname,
    CASE WHEN s.srvtype IS NOT NULL THEN ' TYPE ' || quote_literal(s.srvtype) ELSE '' END,
    CASE WHEN s.srvversion IS NOT NULL THEN ' VERSION ' || quote_literal(s.srvversion) ELSE '' END,
    w.fdwname, ${optionsClause('s.srvoptions')}) AS create,
  ${commentLine(`'SERVER ' || quote_ident(s.srvname)`, 'pg_foreign_server', 's.oid')} AS comment,
  ${aclLines({ acl: 's.srvacl', owner: 's.srvowner', type: 'S', target: `'FOREIGN SERVER ' || quote_ident(s.srvname)` })} AS grants,
  ${ownerLine(`'SERVER ' || quote_ident(s.srvname)`, 's.srvowner')} AS owner
FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE ${notExtensionMember('pg_foreign_server', 's.oid')} AND ${inFilter('s.oid')}`;

// pg_user_mappings, not pg_user_mapping: only its name columns are read.
const MAPPINGS_SQL = `
SELECT format('FOR %s SERVER %I', CASE WHEN m.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(m.usename::text) END, m.srvname) AS name
FROM pg_user_mappings m
WHERE ${inFilter('m.umid')}`;

const WRAPPERS = familyStatement('foreign_data_wrappers', WRAPPERS_SQL);
const SERVERS = familyStatement('foreign_servers', SERVERS_SQL);
const MAPPINGS = familyStatement('user_mappings', MAPPINGS_SQL);

interface Row extends Record<string, unknown> {
  name: string;
  qname: string;
  create: string;
  comment: string | null;
  grants: string | null;
  owner: string;
}

function reader(kind: 'foreign_data_wrapper' | 'server', statement: ReturnType<typeof familyStatement>): FamilyReader {
  return async (query, filter) => {
    const rows = await runFamily<Row>(query, statement, filter, 'whole');
    return rows.map(
      (row): CatalogObject => ({
        key: `${kind}:${row.qname}`,
        kind,
        schema: null,
        name: row.name,
        definition: lines(row.create, row.comment, row.grants, row.owner),
      }),
    );
  };
}

export const readForeignDataWrappers = reader('foreign_data_wrapper', WRAPPERS);
export const readForeignServers = reader('server', SERVERS);

export const readUserMappings: FamilyReader = async (query, filter) => {
  const rows = await runFamily<{ name: string }>(query, MAPPINGS, filter, 'whole');
  return rows.map(
    (row): CatalogObject => ({ key: `user_mapping:${row.name}`, kind: 'user_mapping', schema: null, name: row.name, definition: `CREATE USER MAPPING ${row.name};` }),
  );
};

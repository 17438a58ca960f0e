// Text search parsers and templates (C functions, no owner), dictionaries
// (a template and its options) and configurations (a parser and, per token
// type, the dictionaries it maps to, in order).
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, ownerLine, qualified, userSchema } from './sql.js';

const proc = (column: string): string => `CASE WHEN ${column} <> 0 THEN ${column}::regproc::text END`;

const PARSERS_SQL = `
SELECT n.nspname AS schema, p.prsname AS name, q.qname,
  json_build_array(json_build_array('START', ${proc('p.prsstart')}), json_build_array('GETTOKEN', ${proc('p.prstoken')}),
    json_build_array('END', ${proc('p.prsend')}), json_build_array('HEADLINE', ${proc('p.prsheadline')}),
    json_build_array('LEXTYPES', ${proc('p.prslextype')})) AS options,
  ${commentLine(`'TEXT SEARCH PARSER ' || q.qname`, 'pg_ts_parser', 'p.oid')} AS comment,
  NULL::text AS owner
FROM pg_ts_parser p JOIN pg_namespace n ON n.oid = p.prsnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'p.prsname')} AS qname) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_ts_parser', 'p.oid')} AND ${inFilter('p.oid')}`;

const TEMPLATES_SQL = `
SELECT n.nspname AS schema, t.tmplname AS name, q.qname,
  json_build_array(json_build_array('INIT', ${proc('t.tmplinit')}), json_build_array('LEXIZE', ${proc('t.tmpllexize')})) AS options,
  ${commentLine(`'TEXT SEARCH TEMPLATE ' || q.qname`, 'pg_ts_template', 't.oid')} AS comment,
  NULL::text AS owner
FROM pg_ts_template t JOIN pg_namespace n ON n.oid = t.tmplnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.tmplname')} AS qname) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_ts_template', 't.oid')} AND ${inFilter('t.oid')}`;

const DICTIONARIES_SQL = `
SELECT n.nspname AS schema, td.dictname AS name, q.qname,
  json_build_array(json_build_array('TEMPLATE', (SELECT ${qualified('tn.nspname', 't.tmplname')} FROM pg_ts_template t
    JOIN pg_namespace tn ON tn.oid = t.tmplnamespace WHERE t.oid = td.dicttemplate))) AS options, td.dictinitoption AS init_options,
  ${commentLine(`'TEXT SEARCH DICTIONARY ' || q.qname`, 'pg_ts_dict', 'td.oid')} AS comment,
  ${ownerLine(`'TEXT SEARCH DICTIONARY ' || q.qname`, 'td.dictowner')} AS owner
FROM pg_ts_dict td JOIN pg_namespace n ON n.oid = td.dictnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'td.dictname')} AS qname) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_ts_dict', 'td.oid')} AND ${inFilter('td.oid')}`;

const CONFIGURATIONS_SQL = `
SELECT n.nspname AS schema, c.cfgname AS name, q.qname,
  json_build_array(json_build_array('PARSER', (SELECT ${qualified('pn.nspname', 'p.prsname')} FROM pg_ts_parser p
    JOIN pg_namespace pn ON pn.oid = p.prsnamespace WHERE p.oid = c.cfgparser))) AS options,
  (SELECT string_agg(format('ALTER TEXT SEARCH CONFIGURATION %s ADD MAPPING FOR %s WITH %s;', q.qname, m.token, m.dictionaries), E'\\n' ORDER BY m.tokid)
    FROM (SELECT m.maptokentype AS tokid, (SELECT t.alias FROM ts_token_type(c.cfgparser) t WHERE t.tokid = m.maptokentype) AS token,
        string_agg(m.mapdict::regdictionary::text, ', ' ORDER BY m.mapseqno) AS dictionaries
      FROM pg_ts_config_map m WHERE m.mapcfg = c.oid GROUP BY m.maptokentype) m) AS mappings,
  ${commentLine(`'TEXT SEARCH CONFIGURATION ' || q.qname`, 'pg_ts_config', 'c.oid')} AS comment,
  ${ownerLine(`'TEXT SEARCH CONFIGURATION ' || q.qname`, 'c.cfgowner')} AS owner
FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'c.cfgname')} AS qname) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_ts_config', 'c.oid')} AND ${inFilter('c.oid')}`;

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  /** [option, value] pairs; a null value is left out. */
  options: Array<[string, string | null]>;
  init_options?: string | null;
  mappings?: string | null;
  comment: string | null;
  owner: string | null;
}

type TextSearchKind = 'text_search_parser' | 'text_search_template' | 'text_search_dictionary' | 'text_search_configuration';

function reader(kind: TextSearchKind, sql: string): FamilyReader {
  const statement = familyStatement(kind, sql);
  const noun = kind.slice('text_search_'.length).toUpperCase();
  return async (query, filter) => {
    const rows = await runFamily<Row>(query, statement, filter, 'whole');
    return rows.map((row): CatalogObject => {
      const options = row.options.filter(([, value]) => value !== null).map(([option, value]) => `${option} = ${value}`);
      if (row.init_options) options.push(row.init_options);
      return {
        key: `${kind}:${row.qname}`,
        kind,
        schema: row.schema,
        name: row.name,
        definition: lines(`CREATE TEXT SEARCH ${noun} ${row.qname} (\n    ${options.join(',\n    ')}\n);`, row.mappings, row.comment, row.owner),
      };
    });
  };
}

export const readTextSearchParsers = reader('text_search_parser', PARSERS_SQL);
export const readTextSearchTemplates = reader('text_search_template', TEMPLATES_SQL);
export const readTextSearchDictionaries = reader('text_search_dictionary', DICTIONARIES_SQL);
export const readTextSearchConfigurations = reader('text_search_configuration', CONFIGURATIONS_SQL);

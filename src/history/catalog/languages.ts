// Procedural languages created with CREATE LANGUAGE (not by an extension:
// plpgsql and friends are extension members) and access methods created
// with CREATE ACCESS METHOD. Languages have owners and privileges; access
// methods have neither.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, commentLine, FIRST_USER_OID, inFilter, lines, notExtensionMember, ownerLine } from './sql.js';

const LANGUAGES_SQL = `
SELECT l.lanname AS name, quote_ident(l.lanname) AS qname, l.lanpltrusted AS trusted,
  CASE WHEN l.lanplcallfoid <> 0 THEN l.lanplcallfoid::regproc::text END AS handler,
  CASE WHEN l.laninline <> 0 THEN l.laninline::regproc::text END AS inline,
  CASE WHEN l.lanvalidator <> 0 THEN l.lanvalidator::regproc::text END AS validator,
  ${commentLine(`'LANGUAGE ' || quote_ident(l.lanname)`, 'pg_language', 'l.oid')} AS comment,
  ${aclLines({ acl: 'l.lanacl', owner: 'l.lanowner', type: 'l', target: `'LANGUAGE ' || quote_ident(l.lanname)` })} AS grants,
  ${ownerLine(`'LANGUAGE ' || quote_ident(l.lanname)`, 'l.lanowner')} AS owner
FROM pg_language l
WHERE l.oid >= ${FIRST_USER_OID} AND ${notExtensionMember('pg_language', 'l.oid')} AND ${inFilter('l.oid')}`;

const ACCESS_METHODS_SQL = `
SELECT a.amname AS name, quote_ident(a.amname) AS qname, a.amtype AS type, a.amhandler::regproc::text AS handler,
  ${commentLine(`'ACCESS METHOD ' || quote_ident(a.amname)`, 'pg_am', 'a.oid')} AS comment
FROM pg_am a
WHERE a.oid >= ${FIRST_USER_OID} AND ${notExtensionMember('pg_am', 'a.oid')} AND ${inFilter('a.oid')}`;

const LANGUAGES = familyStatement('languages', LANGUAGES_SQL);
const ACCESS_METHODS = familyStatement('access_methods', ACCESS_METHODS_SQL);

interface LanguageRow extends Record<string, unknown> {
  name: string;
  qname: string;
  trusted: boolean;
  handler: string | null;
  inline: string | null;
  validator: string | null;
  comment: string | null;
  grants: string | null;
  owner: string;
}

interface AccessMethodRow extends Record<string, unknown> {
  name: string;
  qname: string;
  type: 't' | 'i';
  handler: string;
  comment: string | null;
}

export const readLanguages: FamilyReader = async (query, filter) => {
  const rows = await runFamily<LanguageRow>(query, LANGUAGES, filter, 'whole');
  return rows.map((row): CatalogObject => {
    let create = `CREATE ${row.trusted ? 'TRUSTED ' : ''}LANGUAGE ${row.qname}`;
    if (row.handler) create += ` HANDLER ${row.handler}`;
    if (row.inline) create += ` INLINE ${row.inline}`;
    if (row.validator) create += ` VALIDATOR ${row.validator}`;
    return { key: `language:${row.qname}`, kind: 'language', schema: null, name: row.name, definition: lines(`${create};`, row.comment, row.grants, row.owner) };
  });
};

export const readAccessMethods: FamilyReader = async (query, filter) => {
  const rows = await runFamily<AccessMethodRow>(query, ACCESS_METHODS, filter, 'whole');
  return rows.map(
    (row): CatalogObject => ({
      key: `access_method:${row.qname}`,
      kind: 'access_method',
      schema: null,
      name: row.name,
      definition: lines(`CREATE ACCESS METHOD ${row.qname} TYPE ${row.type === 't' ? 'TABLE' : 'INDEX'} HANDLER ${row.handler};`, row.comment),
    }),
  );
};

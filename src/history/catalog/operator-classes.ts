// Operator families and classes. A family is CREATE OPERATOR FAMILY plus
// ALTER OPERATOR FAMILY ... ADD for its loose members (those that belong to
// the family, not to one of its classes); a class is CREATE OPERATOR CLASS
// with its own members, in the family it lives in (written when the family's
// name differs, as pg_dump does: without FAMILY, CREATE OPERATOR CLASS uses
// the family of its own name, which the family object created first).
import type { CatalogObject, FamilyReader } from './family.js';
import { operatorRef } from './operators.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, ownerLine, qualified, userSchema } from './sql.js';

/** Member lines of the amop and amproc rows that pg_depend ties to (catalog, oid). */
function members(catalog: string, oid: string, family: string): string {
  return `(SELECT array_agg(m.line ORDER BY m.ord, m.num, m.line) FROM (
    SELECT 0 AS ord, ao.amopstrategy AS num, format('OPERATOR %s %s%s', ao.amopstrategy, ao.amopopr::regoperator,
        CASE WHEN ao.amoppurpose = 'o' THEN ' FOR ORDER BY ' || (SELECT ${qualified('sfn.nspname', 'sf.opfname')}
          FROM pg_opfamily sf JOIN pg_namespace sfn ON sfn.oid = sf.opfnamespace WHERE sf.oid = ao.amopsortfamily) ELSE '' END) AS line
      FROM pg_amop ao JOIN pg_depend d ON d.classid = 'pg_amop'::regclass AND d.objid = ao.oid
      WHERE d.refclassid = '${catalog}'::regclass AND d.refobjid = ${oid} AND ao.amopfamily = ${family}
    UNION ALL
    SELECT 1, ap.amprocnum, format('FUNCTION %s (%s, %s) %s', ap.amprocnum, format_type(ap.amproclefttype, NULL),
        format_type(ap.amprocrighttype, NULL), ap.amproc::regprocedure)
      FROM pg_amproc ap JOIN pg_depend d ON d.classid = 'pg_amproc'::regclass AND d.objid = ap.oid
      WHERE d.refclassid = '${catalog}'::regclass AND d.refobjid = ${oid} AND ap.amprocfamily = ${family}
  ) m)`;
}

const FAMILIES_SQL = `
SELECT n.nspname AS schema, f.opfname AS name, q.qname, quote_ident(am.amname) AS method,
  ${members('pg_opfamily', 'f.oid', 'f.oid')} AS members,
  ${commentLine(`'OPERATOR FAMILY ' || q.qname || ' USING ' || quote_ident(am.amname)`, 'pg_opfamily', 'f.oid')} AS comment,
  ${ownerLine(`'OPERATOR FAMILY ' || q.qname || ' USING ' || quote_ident(am.amname)`, 'f.opfowner')} AS owner
FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace JOIN pg_am am ON am.oid = f.opfmethod
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'f.opfname')} AS qname) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_opfamily', 'f.oid')} AND ${inFilter('f.oid')}`;

const CLASSES_SQL = `
SELECT n.nspname AS schema, c.opcname AS name, q.qname, quote_ident(am.amname) AS method, c.opcdefault AS is_default,
  format_type(c.opcintype, NULL) AS type, CASE WHEN c.opckeytype <> 0 THEN format_type(c.opckeytype, NULL) END AS storage,
  CASE WHEN f.opfname <> c.opcname OR f.opfnamespace <> c.opcnamespace THEN ${qualified('fn.nspname', 'f.opfname')} END AS family,
  ${members('pg_opclass', 'c.oid', 'c.opcfamily')} AS members,
  ${commentLine(`'OPERATOR CLASS ' || q.qname || ' USING ' || quote_ident(am.amname)`, 'pg_opclass', 'c.oid')} AS comment,
  ${ownerLine(`'OPERATOR CLASS ' || q.qname || ' USING ' || quote_ident(am.amname)`, 'c.opcowner')} AS owner
FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace JOIN pg_am am ON am.oid = c.opcmethod
  JOIN pg_opfamily f ON f.oid = c.opcfamily JOIN pg_namespace fn ON fn.oid = f.opfnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'c.opcname')} AS qname) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_opclass', 'c.oid')} AND ${inFilter('c.oid')}`;

const FAMILIES = familyStatement('operator_families', FAMILIES_SQL);
const CLASSES = familyStatement('operator_classes', CLASSES_SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  method: string;
  members: string[] | null;
  comment: string | null;
  owner: string;
}

interface ClassRow extends Row {
  is_default: boolean;
  type: string;
  storage: string | null;
  family: string | null;
}

function objectKey(kind: 'operator_class' | 'operator_family', row: Row): string {
  return `${kind}:${row.qname}(${row.method})`;
}

export const readOperatorFamilies: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, FAMILIES, filter, 'whole');
  return rows.map(
    (row): CatalogObject => ({
      key: objectKey('operator_family', row),
      kind: 'operator_family',
      schema: row.schema,
      name: row.name,
      definition: lines(
        `CREATE OPERATOR FAMILY ${row.qname} USING ${row.method};`,
        row.members ? `ALTER OPERATOR FAMILY ${row.qname} USING ${row.method} ADD\n    ${row.members.join(',\n    ')};` : null,
        row.comment,
        row.owner,
      ),
    }),
  );
};

export const readOperatorClasses: FamilyReader = async (query, filter) => {
  const rows = await runFamily<ClassRow>(query, CLASSES, filter, 'whole');
  return rows.map((row): CatalogObject => {
    const items = [...(row.storage ? [`STORAGE ${row.storage}`] : []), ...(row.members ?? [])];
    // CREATE OPERATOR CLASS needs one item: a class without members says its storage type.
    if (items.length === 0) items.push(`STORAGE ${row.type}`);
    const head = `CREATE OPERATOR CLASS ${row.qname}${row.is_default ? ' DEFAULT' : ''} FOR TYPE ${row.type} USING ${row.method}`;
    return {
      key: objectKey('operator_class', row),
      kind: 'operator_class',
      schema: row.schema,
      name: row.name,
      definition: lines(`${head}${row.family ? ` FAMILY ${row.family}` : ''} AS\n    ${items.join(',\n    ')};`, row.comment, row.owner),
    };
  });
};

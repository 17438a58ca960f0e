// Sequences that stand on their own (identity sequences are written with
// their column). OWNED BY is written by the owning table (tables.ts): the
// table's column default needs the sequence first, so the sequence cannot
// need the table. The current value is data, not schema.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { aclLines, commentLine, inFilter, lines, notExtensionMember, ownerLine, qualified, userSchema } from './sql.js';
import { sequenceOptions } from './sequence-options.js';

const SQL = `
SELECT n.nspname AS schema, c.relname AS name, q.qname, c.relpersistence = 'u' AS unlogged,
  format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS increment,
  s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
  ${commentLine(`'SEQUENCE ' || q.qname`, 'pg_class', 'c.oid')} AS comment,
  ${aclLines({ acl: 'c.relacl', owner: 'c.relowner', type: 's', target: `'SEQUENCE ' || q.qname` })} AS grants,
  -- a sequence a column owns goes with its table (ALTER TABLE ... OWNER TO takes it along)
  CASE WHEN NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
    AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a') THEN ${ownerLine(`'SEQUENCE ' || q.qname`, 'c.relowner')} END AS owner
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 'c.relname')} AS qname) q
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')} AND ${inFilter('c.oid')}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
    AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i')`;

const STATEMENT = familyStatement('sequences', SQL);

interface Row extends Record<string, unknown> {
  schema: string;
  name: string;
  qname: string;
  unlogged: boolean;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  comment: string | null;
  grants: string | null;
  owner: string | null;
}

export const readSequences: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'relations');
  return rows.map((row): CatalogObject => {
    const options = sequenceOptions(row, 'bigint');
    const create = `CREATE ${row.unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${row.qname}${options.map((o) => `\n    ${o}`).join('')};`;
    return {
      key: `sequence:${row.qname}`,
      kind: 'sequence',
      schema: row.schema,
      name: row.name,
      definition: lines(create, row.comment, row.grants, row.owner),
    };
  });
};

// Publications (what they publish, their tables with column lists and row
// filters, their schemas) and subscriptions. A subscription is written as
// pg_dump writes it, WITH (connect = false): replaying a schema must not
// start replication. Its connection string is recorded without the
// password, which never reaches the store.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, ownerLine, qualified, quoteLiteral } from './sql.js';

const PUBLICATIONS_SQL = `
SELECT p.pubname AS name, quote_ident(p.pubname) AS qname, p.puballtables AS all_tables,
  concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
    CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END) AS publish,
  p.pubviaroot AS via_root,
  (SELECT string_agg(format('ALTER PUBLICATION %I ADD TABLE ONLY %s%s%s;', p.pubname, ${qualified('n.nspname', 'c.relname')},
      CASE WHEN r.prattrs IS NOT NULL THEN ' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
        FROM unnest(r.prattrs::int2[]) WITH ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = r.prrelid AND a.attnum = k.attnum) || ')' ELSE '' END,
      CASE WHEN r.prqual IS NOT NULL THEN ' WHERE (' || pg_get_expr(r.prqual, r.prrelid) || ')' ELSE '' END), E'\\n'
      ORDER BY n.nspname, c.relname)
    FROM pg_publication_rel r JOIN pg_class c ON c.oid = r.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE r.prpubid = p.oid) AS tables,
  (SELECT string_agg(format('ALTER PUBLICATION %I ADD TABLES IN SCHEMA %I;', p.pubname, n.nspname), E'\\n' ORDER BY n.nspname)
    FROM pg_publication_namespace pn JOIN pg_namespace n ON n.oid = pn.pnnspid WHERE pn.pnpubid = p.oid) AS schemas,
  ${commentLine(`'PUBLICATION ' || quote_ident(p.pubname)`, 'pg_publication', 'p.oid')} AS comment,
  ${ownerLine(`'PUBLICATION ' || quote_ident(p.pubname)`, 'p.pubowner')} AS owner
FROM pg_publication p
WHERE ${notExtensionMember('pg_publication', 'p.oid')} AND ${inFilter('p.oid')}`;

// subconninfo is readable by superusers only; without it nothing is recorded.
const SUBSCRIPTIONS_SQL = `
SELECT s.subname AS name, quote_ident(s.subname) AS qname, to_jsonb(s) ->> 'subconninfo' AS conninfo,
  (SELECT string_agg(quote_ident(x), ', ' ORDER BY x) FROM unnest(s.subpublications) AS x) AS publications,
  s.subslotname AS slot, to_jsonb(s) ->> 'subbinary' AS binary, to_jsonb(s) ->> 'substream' AS streaming,
  s.subsynccommit AS synchronous_commit,
  ${commentLine(`'SUBSCRIPTION ' || quote_ident(s.subname)`, 'pg_subscription', 's.oid')} AS comment,
  ${ownerLine(`'SUBSCRIPTION ' || quote_ident(s.subname)`, 's.subowner')} AS owner
FROM pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()) AND ${inFilter('s.oid')}`;

const PUBLICATIONS = familyStatement('publications', PUBLICATIONS_SQL);
const SUBSCRIPTIONS = familyStatement('subscriptions', SUBSCRIPTIONS_SQL);

interface PublicationRow extends Record<string, unknown> {
  name: string;
  qname: string;
  all_tables: boolean;
  publish: string;
  via_root: boolean;
  tables: string | null;
  schemas: string | null;
  comment: string | null;
  owner: string;
}

interface SubscriptionRow extends Record<string, unknown> {
  name: string;
  qname: string;
  conninfo: string | null;
  publications: string;
  slot: string | null;
  binary: string | null;
  streaming: string | null;
  synchronous_commit: string;
  comment: string | null;
  owner: string;
}

export const readPublications: FamilyReader = async (query, filter) => {
  const rows = await runFamily<PublicationRow>(query, PUBLICATIONS, filter, 'whole');
  return rows.map((row): CatalogObject => {
    const options = `WITH (publish = ${quoteLiteral(row.publish)}, publish_via_partition_root = ${row.via_root})`;
    return {
      key: `publication:${row.qname}`,
      kind: 'publication',
      schema: null,
      name: row.name,
      definition: lines(`CREATE PUBLICATION ${row.qname}${row.all_tables ? ' FOR ALL TABLES' : ''} ${options};`, row.tables, row.schemas, row.comment, row.owner),
    };
  });
};

/** A libpq connection string without its password. */
export function withoutPassword(conninfo: string): string {
  return conninfo
    .replace(/(^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/gi, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export const readSubscriptions: FamilyReader = async (query, filter) => {
  const rows = await runFamily<SubscriptionRow>(query, SUBSCRIPTIONS, filter, 'whole');
  return rows.map((row): CatalogObject => {
    const options = ['connect = false', `slot_name = ${row.slot === null ? 'NONE' : quoteLiteral(row.slot)}`];
    if (row.binary === 'true') options.push('binary = true');
    if (row.streaming !== null && row.streaming !== 'false' && row.streaming !== 'f') options.push(`streaming = ${row.streaming === 'true' || row.streaming === 't' ? 'on' : row.streaming === 'p' ? 'parallel' : 'on'}`);
    if (row.synchronous_commit !== 'off') options.push(`synchronous_commit = ${quoteLiteral(row.synchronous_commit)}`);
    return {
      key: `subscription:${row.qname}`,
      kind: 'subscription',
      schema: null,
      name: row.name,
      definition: lines(
        `CREATE SUBSCRIPTION ${row.qname} CONNECTION ${quoteLiteral(withoutPassword(row.conninfo ?? ''))} PUBLICATION ${row.publications} WITH (${options.join(', ')});`,
        row.comment,
        row.owner,
      ),
    };
  });
};

// dependsOn for every object of a read, from pg_depend: the rows whose
// depender belongs to an object read, then the keys of both ends of each
// (key-sql.ts), in one statement; edges between different keys are kept. One
// edge is turned round: a sequence OWNED BY a column is written by the
// table (tables.ts), so the table depends on the sequence, not the sequence
// on the table.
import type { ReadFilter } from './filter.js';
import { keysCte } from './key-sql.js';
import type { CatalogQuery } from './session.js';
import { FIRST_USER_OID } from './sql.js';
import { WHOLE_CATALOGS } from './whole.js';

const EDGE_FILTER = `d.deptype IN ('n', 'a', 'i', 'P', 'S') AND d.objid >= ${FIRST_USER_OID}
    AND (d.refobjid >= ${FIRST_USER_OID} OR d.refclassid = 'pg_namespace'::regclass)`;

const EDGE_COLUMNS = `d.classid, d.objid, d.refclassid, d.refobjid,
    (d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
      AND EXISTS (SELECT 1 FROM pg_class q WHERE q.oid = d.objid AND q.relkind = 'S')) AS owned,
    (d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_type'::regclass AND EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.refobjid
      AND t.typtype = 'b' AND d.objid IN (t.typinput::oid, t.typoutput::oid, t.typreceive::oid, t.typsend::oid, t.typmodin::oid,
        t.typmodout::oid, t.typanalyze::oid, t.typsubscript::oid))) AS shell`;

const FULL_EDGES = `edges AS (SELECT DISTINCT ${EDGE_COLUMNS} FROM pg_depend d WHERE ${EDGE_FILTER})`;

// The catalog rows whose dependencies count as each object's, for a scoped read.
const SCOPED_EDGES = `
members(classid, objid) AS (
  SELECT 'pg_class'::regclass::oid, unnest($1::oid[])
  -- the sequences a table owns: their OWNED BY edge is the table's (turned round below)
  UNION ALL SELECT 'pg_class'::regclass::oid, d.objid FROM pg_depend d JOIN pg_class q ON q.oid = d.objid AND q.relkind = 'S'
    WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY($1::oid[]) AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'
  UNION ALL SELECT 'pg_attrdef'::regclass::oid, ad.oid FROM pg_attrdef ad WHERE ad.adrelid = ANY($1::oid[])
  UNION ALL SELECT 'pg_rewrite'::regclass::oid, w.oid FROM pg_rewrite w WHERE w.ev_class = ANY($1::oid[])
  UNION ALL SELECT 'pg_type'::regclass::oid, unnest($2::oid[])
  UNION ALL SELECT 'pg_class'::regclass::oid, t.typrelid FROM pg_type t WHERE t.oid = ANY($2::oid[]) AND t.typrelid <> 0
  UNION ALL SELECT 'pg_constraint'::regclass::oid, k.oid FROM pg_constraint k WHERE k.contypid = ANY($2::oid[])
  UNION ALL SELECT 'pg_proc'::regclass::oid, unnest($3::oid[])
  UNION ALL SELECT 'pg_constraint'::regclass::oid, unnest($4::oid[])
  UNION ALL SELECT 'pg_class'::regclass::oid, k.conindid FROM pg_constraint k WHERE k.oid = ANY($4::oid[]) AND k.contype IN ('p', 'u', 'x')
  UNION ALL SELECT 'pg_trigger'::regclass::oid, unnest($5::oid[])
  UNION ALL SELECT 'pg_policy'::regclass::oid, unnest($6::oid[])
  UNION ALL SELECT 'pg_rewrite'::regclass::oid, unnest($7::oid[])
  UNION ALL SELECT 'pg_statistic_ext'::regclass::oid, unnest($8::oid[])
  UNION ALL SELECT 'pg_namespace'::regclass::oid, unnest($9::oid[])
  UNION ALL SELECT 'pg_extension'::regclass::oid, unnest($10::oid[])
  UNION ALL SELECT 'pg_event_trigger'::regclass::oid, unnest($11::oid[])
  UNION ALL SELECT 'pg_collation'::regclass::oid, unnest($12::oid[])
  UNION ALL SELECT d.classid, d.objid FROM pg_depend d WHERE cardinality($13::oid[]) > 0 AND d.classid = ANY(${WHOLE_CATALOGS})
),
edges AS (SELECT DISTINCT ${EDGE_COLUMNS}
  FROM (SELECT DISTINCT classid, objid FROM members) m
    CROSS JOIN LATERAL (SELECT * FROM pg_depend d WHERE d.classid = m.classid AND d.objid = m.objid OFFSET 0) d
  WHERE ${EDGE_FILTER})`;

/** The edges with the keys of both ends, in one statement (one round trip). */
function edgesWithKeys(edges: string): string {
  return `
WITH ${edges},
ends(classid, objid) AS (SELECT classid, objid FROM edges UNION SELECT refclassid, refobjid FROM edges),
${keysCte('ends')}
SELECT s.key AS source, t.key AS target, e.owned, e.shell
FROM edges e
  JOIN keys s ON s.classid = e.classid AND s.objid = e.objid
  JOIN keys t ON t.classid = e.refclassid AND t.objid = e.refobjid
WHERE s.key IS NOT NULL AND t.key IS NOT NULL`;
}

const FULL = edgesWithKeys(FULL_EDGES);
const SCOPED = edgesWithKeys(SCOPED_EDGES);

interface Edge extends Record<string, unknown> {
  source: string;
  target: string;
  owned: boolean;
  /** A base type's I/O function's edge to its type, which goes to the shell instead (base-types.ts). */
  shell: boolean;
}

/** Dependencies of the objects a read with this filter finds, by key: the pg_depend rows, with the keys of both ends. */
export async function readDependencies(query: CatalogQuery, filter: ReadFilter): Promise<Map<string, Set<string>>> {
  const edges =
    filter === null
      ? await query<Edge>(FULL)
      : await query<Edge>(
          SCOPED,
          [
            filter.relations, filter.types, filter.routines, filter.constraints, filter.triggers, filter.policies, filter.rules,
            filter.statistics, filter.schemas, filter.extensions, filter.eventTriggers, filter.collations, filter.whole,
          ],
          'pggit_catalog_edges',
        );
  const deps = new Map<string, Set<string>>();
  for (const edge of edges) {
    const source = edge.source;
    let target = edge.target;
    if (edge.shell && target.startsWith('type:')) target = `shell_type:${target.slice('type:'.length)}`;
    if (source === target) continue;
    const [from, to] = edge.owned ? [target, source] : [source, target];
    let set = deps.get(from);
    if (!set) deps.set(from, (set = new Set()));
    set.add(to);
  }
  return deps;
}

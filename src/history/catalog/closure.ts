// A scoped read's reach: the objects the scope names (an unqualified name is
// looked up in every schema of the search path, and as a schema, extension
// and event trigger name) and what depends on them in pg_depend, as far as
// a change to them can change another object's definition or key:
//
// - everything that is part of them or hangs off them, to any depth (auto,
//   internal and partition dependencies: a table's column defaults,
//   constraints, indexes, triggers, rules, policies, statistics, owned and
//   identity sequences, row and array types, partitions and their indexes);
// - one step of ordinary dependencies (what mentions them by name: views,
//   foreign keys pointing at a table, inheritance children, functions taking
//   a row type, columns of a type, the members of an extension's users), and
//   everything that is part of those; two steps from a schema, whose rename
//   changes what refers to its objects.
//
// What lies further (a view over that view) keeps its definition; what a
// DROP ... CASCADE removes further away is found from the previous tree
// (coverage.ts: expandScope), which also asks for objects by key: those are
// read exactly, without what depends on them. Two links are followed
// forwards because the dependent's definition is written into its owner's:
// a view's _RETURN rule to the view, and a sequence to the table that owns
// it (OWNED BY, identity). One round trip; cost grows with the closure, not
// the schema. Its parts are MATERIALIZED: planned one by one (see
// key-sql.ts).
import type { ScopeName, ScopeRoot } from './model.js';
import { parseKey, WHOLE_KINDS } from './object-key.js';
import { WHOLE_CATALOGS } from './whole.js';
import type { CatalogQuery } from './session.js';
import { FILTER_FAMILIES, type FilterFamily, type OidFilter } from './filter.js';
import { userSchema } from './sql.js';

const CLOSURE_SQL = `
WITH RECURSIVE
input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS i(nsp, name, kind)),
qualified AS (
  SELECT i.nsp, i.name, i.kind FROM input i WHERE i.nsp IS NOT NULL
  UNION SELECT p.nsp, i.name, i.kind FROM input i CROSS JOIN unnest(CASE
      WHEN $9::boolean THEN (SELECT array_agg(n.nspname::text) FROM pg_namespace n WHERE ${userSchema('n')})
      -- the connection's own path: this runs before the read's settings clear it
      ELSE coalesce($4::text[], current_schemas(false)::text[]) END) AS p(nsp) WHERE i.nsp IS NULL
),
exact(kind, nsp, name, sub) AS (SELECT * FROM unnest($5::text[], $6::text[], $7::text[], $8::text[])),
exact_roots(classid, objid) AS MATERIALIZED (
  SELECT 'pg_class'::regclass::oid, c.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.nsp
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = e.name
    WHERE e.kind IN ('table', 'view', 'materialized_view', 'sequence', 'index', 'foreign_table', 'system_privileges')
  UNION ALL
  SELECT 'pg_statistic_ext'::regclass::oid, s.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.nsp
    JOIN pg_statistic_ext s ON s.stxnamespace = n.oid AND s.stxname = e.name WHERE e.kind = 'statistics'
  UNION ALL
  SELECT 'pg_type'::regclass::oid, t.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.nsp
    JOIN pg_type t ON t.typnamespace = n.oid AND t.typname = e.name WHERE e.kind IN ('type', 'domain', 'shell_type')
  UNION ALL
  SELECT 'pg_collation'::regclass::oid, o.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.nsp
    JOIN pg_collation o ON o.collnamespace = n.oid AND o.collname = e.name WHERE e.kind = 'collation'
  UNION ALL
  SELECT 'pg_proc'::regclass::oid, p.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.nsp
    JOIN pg_proc p ON p.pronamespace = n.oid AND p.proname = e.name WHERE e.kind IN ('function', 'procedure', 'aggregate')
  UNION ALL
  SELECT 'pg_constraint'::regclass::oid, k.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.nsp
    JOIN pg_class t ON t.relnamespace = n.oid AND t.relname = e.name JOIN pg_constraint k ON k.conrelid = t.oid AND k.conname = e.sub
    WHERE e.kind = 'constraint'
  UNION ALL
  SELECT 'pg_trigger'::regclass::oid, g.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.nsp
    JOIN pg_class t ON t.relnamespace = n.oid AND t.relname = e.name JOIN pg_trigger g ON g.tgrelid = t.oid AND g.tgname = e.sub
    WHERE e.kind = 'trigger'
  UNION ALL
  SELECT 'pg_policy'::regclass::oid, o.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.nsp
    JOIN pg_class t ON t.relnamespace = n.oid AND t.relname = e.name JOIN pg_policy o ON o.polrelid = t.oid AND o.polname = e.sub
    WHERE e.kind = 'policy'
  UNION ALL
  SELECT 'pg_rewrite'::regclass::oid, w.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.nsp
    JOIN pg_class t ON t.relnamespace = n.oid AND t.relname = e.name JOIN pg_rewrite w ON w.ev_class = t.oid AND w.rulename = e.sub
    WHERE e.kind = 'rule'
  UNION ALL
  SELECT 'pg_namespace'::regclass::oid, n.oid FROM exact e JOIN pg_namespace n ON n.nspname = e.name WHERE e.kind = 'schema'
  UNION ALL
  SELECT 'pg_extension'::regclass::oid, x.oid FROM exact e JOIN pg_extension x ON x.extname = e.name WHERE e.kind = 'extension'
  UNION ALL
  SELECT 'pg_event_trigger'::regclass::oid, v.oid FROM exact e JOIN pg_event_trigger v ON v.evtname = e.name WHERE e.kind = 'event_trigger'
  UNION ALL
  SELECT 'pg_default_acl'::regclass::oid, a.oid FROM pg_default_acl a WHERE EXISTS (SELECT 1 FROM exact e WHERE e.kind = 'default_acl')
),
roots(classid, objid) AS MATERIALIZED (
  SELECT 'pg_class'::regclass::oid, c.oid FROM qualified q JOIN pg_namespace n ON n.nspname = q.nsp
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = q.name WHERE coalesce(q.kind, 'relation') = 'relation'
  UNION ALL
  SELECT 'pg_type'::regclass::oid, t.oid FROM qualified q JOIN pg_namespace n ON n.nspname = q.nsp
    JOIN pg_type t ON t.typnamespace = n.oid AND t.typname = q.name WHERE coalesce(q.kind, 'type') = 'type'
  UNION ALL
  SELECT 'pg_proc'::regclass::oid, p.oid FROM qualified q JOIN pg_namespace n ON n.nspname = q.nsp
    JOIN pg_proc p ON p.pronamespace = n.oid AND p.proname = q.name WHERE coalesce(q.kind, 'function') = 'function'
  UNION ALL
  SELECT 'pg_statistic_ext'::regclass::oid, s.oid FROM qualified q JOIN pg_namespace n ON n.nspname = q.nsp
    JOIN pg_statistic_ext s ON s.stxnamespace = n.oid AND s.stxname = q.name WHERE coalesce(q.kind, 'relation') = 'relation'
  UNION ALL
  SELECT 'pg_collation'::regclass::oid, o.oid FROM qualified q JOIN pg_namespace n ON n.nspname = q.nsp
    JOIN pg_collation o ON o.collnamespace = n.oid AND o.collname = q.name WHERE coalesce(q.kind, 'type') = 'type'
  UNION ALL
  SELECT 'pg_namespace'::regclass::oid, n.oid FROM input i JOIN pg_namespace n ON n.nspname = i.name
    WHERE i.nsp IS NULL AND coalesce(i.kind, 'schema') = 'schema'
  UNION ALL
  SELECT 'pg_extension'::regclass::oid, x.oid FROM input i JOIN pg_extension x ON x.extname = i.name
    WHERE i.nsp IS NULL AND coalesce(i.kind, 'extension') = 'extension'
  UNION ALL
  SELECT 'pg_event_trigger'::regclass::oid, v.oid FROM input i JOIN pg_event_trigger v ON v.evtname = i.name
    WHERE i.nsp IS NULL AND coalesce(i.kind, 'event_trigger') = 'event_trigger'
  UNION ALL
  SELECT 'pg_default_acl'::regclass::oid, a.oid FROM pg_default_acl a WHERE EXISTS (SELECT 1 FROM input i WHERE i.kind = 'default_acl')
),
closure(classid, objid, depth, reach) AS (
  SELECT r.classid, r.objid, 0, CASE WHEN r.classid = 'pg_namespace'::regclass THEN 2 ELSE 1 END FROM roots r
  UNION ALL
  -- read exactly: nothing is reached from them
  SELECT r.classid, r.objid, 0, -1 FROM exact_roots r
  UNION
  SELECT s.classid, s.objid, s.depth, c.reach FROM closure c CROSS JOIN LATERAL (
    SELECT d.classid, d.objid, c.depth + CASE WHEN d.deptype = 'n' THEN 1 ELSE 0 END AS depth
    FROM pg_depend d WHERE d.refclassid = c.classid AND d.refobjid = c.objid
    UNION ALL
    SELECT 'pg_class'::regclass::oid, w.ev_class, c.depth FROM pg_rewrite w WHERE c.classid = 'pg_rewrite'::regclass AND w.oid = c.objid
    UNION ALL
    SELECT 'pg_class'::regclass::oid, d.refobjid, c.depth FROM pg_depend d JOIN pg_class q ON q.oid = d.objid AND q.relkind = 'S'
    WHERE c.classid = 'pg_class'::regclass AND d.classid = 'pg_class'::regclass AND d.objid = c.objid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  ) s
  WHERE s.depth <= c.reach
),
members(family, oid) AS MATERIALIZED (
  SELECT 'relations', x.objid FROM closure x WHERE x.classid = 'pg_class'::regclass
  UNION ALL
  SELECT 'types', c.reltype FROM closure x JOIN pg_class c ON x.classid = 'pg_class'::regclass AND c.oid = x.objid AND c.relkind = 'c'
  UNION ALL
  SELECT 'constraints', k.oid FROM closure x JOIN pg_index i ON x.classid = 'pg_class'::regclass AND i.indexrelid = x.objid
    JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')
  UNION ALL
  SELECT 'relations', ad.adrelid FROM closure x JOIN pg_attrdef ad ON x.classid = 'pg_attrdef'::regclass AND ad.oid = x.objid
  UNION ALL
  SELECT CASE WHEN w.rulename = '_RETURN' THEN 'relations' ELSE 'rules' END, CASE WHEN w.rulename = '_RETURN' THEN w.ev_class ELSE w.oid END
    FROM closure x JOIN pg_rewrite w ON x.classid = 'pg_rewrite'::regclass AND w.oid = x.objid
  UNION ALL
  SELECT 'types', CASE WHEN t.typelem <> 0 AND el.typarray = t.oid THEN t.typelem
      WHEN t.typtype = 'm' THEN (SELECT r.rngtypid FROM pg_range r WHERE r.rngmultitypid = t.oid) ELSE t.oid END
    FROM closure x JOIN pg_type t ON x.classid = 'pg_type'::regclass AND t.oid = x.objid LEFT JOIN pg_type el ON el.oid = t.typelem
  UNION ALL
  SELECT 'relations', t.typrelid FROM closure x JOIN pg_type t ON x.classid = 'pg_type'::regclass AND t.oid = x.objid AND t.typrelid <> 0
  UNION ALL
  SELECT CASE WHEN k.contypid <> 0 THEN 'types' ELSE 'constraints' END, CASE WHEN k.contypid <> 0 THEN k.contypid ELSE k.oid END
    FROM closure x JOIN pg_constraint k ON x.classid = 'pg_constraint'::regclass AND k.oid = x.objid
  UNION ALL
  SELECT CASE x.classid
      WHEN 'pg_proc'::regclass THEN 'routines' WHEN 'pg_trigger'::regclass THEN 'triggers' WHEN 'pg_policy'::regclass THEN 'policies'
      WHEN 'pg_statistic_ext'::regclass THEN 'statistics' WHEN 'pg_namespace'::regclass THEN 'schemas'
      WHEN 'pg_extension'::regclass THEN 'extensions' WHEN 'pg_event_trigger'::regclass THEN 'eventTriggers'
      WHEN 'pg_default_acl'::regclass THEN 'defaultAcls' WHEN 'pg_collation'::regclass THEN 'collations' END, x.objid
    FROM closure x
  UNION ALL
  SELECT 'whole', x.objid FROM closure x WHERE x.classid = ANY(${WHOLE_CATALOGS})
  UNION ALL
  -- a partition's clone of a trigger is written by the trigger it was cloned from
  SELECT 'triggers', (WITH RECURSIVE up(oid, parent) AS (
      SELECT g.oid, g.tgparentid FROM pg_trigger g WHERE g.oid = x.objid
      UNION ALL SELECT p.oid, p.tgparentid FROM up JOIN pg_trigger p ON p.oid = up.parent)
    SELECT up.oid FROM up WHERE up.parent = 0)
    FROM closure x JOIN pg_trigger g ON x.classid = 'pg_trigger'::regclass AND g.oid = x.objid AND g.tgparentid <> 0
),
found(family, oid) AS (
  SELECT m.family, m.oid FROM members m
  WHERE m.family IS NOT NULL AND m.oid <> 0
    -- a relation's row type is part of the relation, not a type of its own
    AND NOT (m.family = 'types' AND EXISTS (SELECT 1 FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid WHERE t.oid = m.oid AND c.relkind <> 'c'))
)
SELECT f.family, array_agg(DISTINCT f.oid)::text[] AS oids FROM found f GROUP BY f.family
UNION ALL
-- the relations again, by the reader that writes them (see OidFilter)
SELECT r.reader, array_agg(DISTINCT r.oid)::text[] FROM (
  SELECT CASE WHEN c.relnamespace = 'pg_catalog'::regnamespace THEN 'systemRelations'
      WHEN c.relkind IN ('r', 'p', 'f') THEN 'tables' WHEN c.relkind IN ('v', 'm') THEN 'views'
      WHEN c.relkind = 'S' THEN 'sequences' WHEN c.relkind IN ('i', 'I') THEN 'indexes' END AS reader, c.oid
  FROM found f JOIN pg_class c ON f.family = 'relations' AND c.oid = f.oid
) r WHERE r.reader IS NOT NULL GROUP BY r.reader`;

/** The qualified names a scope stands for, given the search path of its statements. */
export function scopeRoots(names: readonly ScopeName[], searchPath: readonly string[]): ScopeRoot[] {
  const roots: ScopeRoot[] = [];
  for (const { schema, name, kind } of names) {
    if (schema !== undefined) {
      roots.push({ schema, name, kind });
      continue;
    }
    if (kind === undefined || kind === 'schema' || kind === 'extension' || kind === 'event_trigger' || kind === 'default_acl' || kind === 'other') {
      roots.push({ schema: null, name, kind });
    }
    if (kind === undefined || kind === 'relation' || kind === 'type' || kind === 'function') {
      for (const path of searchPath) roots.push({ schema: path, name, kind });
      // pg_catalog is searched first when the path does not name it: a
      // GRANT on one of its tables (system_privileges) says pg_authid.
      if ((kind === undefined || kind === 'relation') && !searchPath.includes('pg_catalog')) roots.push({ schema: 'pg_catalog', name, kind });
    }
  }
  return roots;
}

/** The catalog lookup for an exact key: kind, schema, name, and the name within a table. */
function exactLookup(key: string): [string, string | null, string, string | null] {
  const { kind, parts } = parseKey(key);
  switch (kind) {
    case 'schema':
    case 'extension':
    case 'event_trigger':
      return [kind, null, parts[0]!, null];
    case 'default_acl':
      return [kind, null, '', null];
    case 'constraint':
    case 'trigger':
    case 'policy':
    case 'rule':
      return [kind, parts[0]!, parts[1]!, parts[2]!];
    default:
      return [kind, parts[0]!, parts[1]!, null];
  }
}

/**
 * The OIDs a scope reaches. Unqualified names are looked up in the schemas
 * given, in every user schema, or in the reading connection's search_path
 * (then it must run before the read's settings, see session.ts).
 */
export async function resolveScope(
  query: CatalogQuery,
  names: readonly ScopeName[],
  keys: readonly string[],
  searchPath: readonly string[] | 'user schemas' | 'connection',
): Promise<OidFilter> {
  const wholeKeys = keys.filter((key) => WHOLE_KINDS.has(parseKey(key).kind));
  const exact = keys.filter((key) => !WHOLE_KINDS.has(parseKey(key).kind)).map(exactLookup);
  const rows = await query<{ family: FilterFamily; oids: string[] }>(
    CLOSURE_SQL,
    [
      names.map((n) => n.schema ?? null), names.map((n) => n.name), names.map((n) => n.kind ?? null),
      typeof searchPath === 'string' ? null : [...searchPath],
      exact.map((e) => e[0]), exact.map((e) => e[1]), exact.map((e) => e[2]), exact.map((e) => e[3]),
      searchPath === 'user schemas',
    ],
    'pggit_catalog_closure',
  );
  const filter = Object.fromEntries(FILTER_FAMILIES.map((family) => [family, [] as string[]])) as Record<FilterFamily, string[]>;
  for (const row of rows) filter[row.family] = row.oids;
  if (filter.whole.length === 0 && (wholeKeys.length > 0 || names.some((name) => name.kind === 'other'))) filter.whole = ['0'];
  return filter;
}

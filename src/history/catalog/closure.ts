// A scoped read's reach: the objects the scope names (an unqualified name is
// looked up in every schema of the search path, and as a schema, extension
// and event trigger name) and, transitively, everything that depends on them
// in pg_depend: a table's columns' defaults, constraints, indexes, triggers,
// rules, policies, statistics, owned sequences, partitions and inheritance
// children, the views and functions over it, foreign keys that point at it.
// Two links are followed forwards because the dependent's definition is
// written into its owner's: a view's _RETURN rule to the view, and a sequence
// to the table that owns it (OWNED BY, identity). One round trip; cost grows
// with the closure, not with the schema.
import type { ScopeName, ScopeRoot } from './model.js';
import type { CatalogQuery } from './session.js';
import { FILTER_FAMILIES, type FilterFamily, type OidFilter } from './filter.js';

const CLOSURE_SQL = `
WITH RECURSIVE
input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS i(nsp, name, kind)),
qualified AS (
  SELECT i.nsp, i.name, i.kind FROM input i WHERE i.nsp IS NOT NULL
  UNION SELECT p.nsp, i.name, i.kind FROM input i CROSS JOIN unnest($4::text[]) AS p(nsp) WHERE i.nsp IS NULL
),
roots(classid, objid) AS (
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
closure(classid, objid) AS (
  SELECT classid, objid FROM roots
  UNION
  SELECT s.classid, s.objid FROM closure c CROSS JOIN LATERAL (
    SELECT d.classid, d.objid FROM pg_depend d WHERE d.refclassid = c.classid AND d.refobjid = c.objid
    UNION ALL
    SELECT 'pg_class'::regclass::oid, w.ev_class FROM pg_rewrite w WHERE c.classid = 'pg_rewrite'::regclass AND w.oid = c.objid
    UNION ALL
    SELECT 'pg_class'::regclass::oid, d.refobjid FROM pg_depend d JOIN pg_class q ON q.oid = d.objid AND q.relkind = 'S'
    WHERE c.classid = 'pg_class'::regclass AND d.classid = 'pg_class'::regclass AND d.objid = c.objid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  ) s
),
members(family, oid) AS (
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
      WHEN 'pg_default_acl'::regclass THEN 'defaultAcls' END, x.objid
    FROM closure x
)
SELECT m.family, array_agg(DISTINCT m.oid)::text[] AS oids FROM members m
WHERE m.family IS NOT NULL AND m.oid <> 0
  -- a relation's row type is part of the relation, not a type of its own
  AND NOT (m.family = 'types' AND EXISTS (SELECT 1 FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid WHERE t.oid = m.oid AND c.relkind <> 'c'))
GROUP BY m.family`;

/** The qualified names a scope stands for, given the search path of its statements. */
export function scopeRoots(names: readonly ScopeName[], searchPath: readonly string[]): ScopeRoot[] {
  const roots: ScopeRoot[] = [];
  for (const { schema, name, kind } of names) {
    if (schema !== undefined) {
      roots.push({ schema, name, kind });
      continue;
    }
    if (kind === undefined || kind === 'schema' || kind === 'extension' || kind === 'event_trigger' || kind === 'default_acl') {
      roots.push({ schema: null, name, kind });
    }
    if (kind === undefined || kind === 'relation' || kind === 'type' || kind === 'function') {
      for (const path of searchPath) roots.push({ schema: path, name, kind });
    }
  }
  return roots;
}

export async function resolveScope(query: CatalogQuery, names: readonly ScopeName[], searchPath: readonly string[]): Promise<OidFilter> {
  const rows = await query<{ family: FilterFamily; oids: string[] }>(
    CLOSURE_SQL,
    [names.map((n) => n.schema ?? null), names.map((n) => n.name), names.map((n) => n.kind ?? null), [...searchPath]],
    'pggit_catalog_closure',
  );
  const filter = Object.fromEntries(FILTER_FAMILIES.map((family) => [family, [] as string[]])) as Record<FilterFamily, string[]>;
  for (const row of rows) filter[row.family] = row.oids;
  return filter;
}

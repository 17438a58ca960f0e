// Family queries in two forms: the full read (no filter) and the scoped read
// (`oid = ANY($1)`), which runs as a named prepared statement so that
// repeated scoped reads on one connection skip planning: their queries are
// large and cheap to execute, so planning is most of their cost.
import type { FilterFamily, ReadFilter } from './filter.js';
import { CatalogRaceError, type CatalogQuery } from './session.js';

export interface FamilyStatement {
  readonly name: string;
  readonly full: string;
  readonly scoped: string;
}

const MARKER = /\/\*filter:([a-z_.]+)\*\//g;

/** The two forms of a family query whose text marks its filter with inFilter(). */
export function familyStatement(name: string, sql: string): FamilyStatement {
  return {
    name: `pggit_catalog_${name}`,
    full: sql.replace(MARKER, 'true'),
    scoped: sql.replace(MARKER, (_, oid: string) => `${oid} = ANY($1::oid[])`),
  };
}

export async function runFamily<R extends Record<string, unknown>>(
  query: CatalogQuery,
  statement: FamilyStatement,
  filter: ReadFilter,
  family: FilterFamily,
): Promise<R[]> {
  // The kinds read whole ignore which of their rows the scope reached.
  const rows =
    filter === null || family === 'whole'
      ? await query<R>(statement.full)
      : await query<R>(statement.scoped, [filter[family]], statement.name);
  // pg_get_*def reads the latest catalog, not the read's snapshot: NULL
  // means the object was dropped after the snapshot was taken.
  if (rows.some((row) => 'def' in row && row.def === null)) {
    throw new CatalogRaceError(`${statement.name}: an object was dropped while the catalog was read`);
  }
  return rows;
}

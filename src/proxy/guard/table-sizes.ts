// How big the tables at stake are, read from pg_class on the proxy's own
// connection to the client's database (never the client's connection), and
// cached for a while: only statements the guard flags ever ask, and a second
// DDL on the same table within the TTL costs nothing.
import type pg from 'pg';
import type { TableSize } from './verdicts.js';

/**
 * Rows from pg_class.reltuples (the sum over partitions for a partitioned
 * table); a relation never vacuumed or analyzed (reltuples -1 or 0) is
 * estimated from its size on disk, at 100 bytes a row, so that a freshly
 * loaded table is not mistaken for an empty one. Names are resolved with the
 * proxy's search_path.
 */
const SIZE_SQL = `
WITH r AS (SELECT to_regclass(array_to_string(ARRAY(SELECT quote_ident(part) FROM unnest($1::text[]) AS part), '.')) AS oid),
members AS (SELECT t.relid FROM r, pg_partition_tree(r.oid) AS t UNION SELECT r.oid FROM r WHERE r.oid IS NOT NULL)
SELECT count(*)::int AS found,
       coalesce(sum(CASE WHEN c.reltuples > 0 THEN c.reltuples ELSE pg_relation_size(c.oid) / 100 END), 0)::float8 AS rows,
       coalesce(sum(pg_total_relation_size(c.oid)), 0)::float8 AS bytes
FROM members JOIN pg_class c ON c.oid = members.relid`;

/** Past this the lookup gives up and the table counts as big (a guard that cannot see must not wave through). */
const LOOKUP_TIMEOUT_MS = 2_000;

type Entry = { readonly at: number; readonly size: TableSize | undefined };

export class TableSizes {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly poolFor: (database: string) => pg.Pool,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached size (undefined: not a relation), or nothing cached: `missing`. */
  cached(database: string, relation: string): TableSize | undefined | 'missing' {
    const entry = this.cache.get(key(database, relation));
    if (entry === undefined || this.now() - entry.at > this.ttlMs) return 'missing';
    return entry.size;
  }

  /** Reads the sizes of the relations not cached. Never rejects. */
  async load(database: string, relations: readonly string[]): Promise<void> {
    await Promise.all(relations.filter((relation) => this.cached(database, relation) === 'missing').map((relation) => this.read(database, relation)));
  }

  private async read(database: string, relation: string): Promise<void> {
    let size: TableSize | undefined;
    try {
      const result = await this.poolFor(database).query({
        text: SIZE_SQL,
        values: [relation.split('.')],
        // pg's client-side timeout: a lookup stuck behind a lock must not hold the client's statement.
        query_timeout: LOOKUP_TIMEOUT_MS,
      } as pg.QueryConfig);
      const row = result.rows[0] as { found: number; rows: number; bytes: number } | undefined;
      size = row !== undefined && row.found > 0 ? { rows: row.rows, bytes: row.bytes } : undefined;
    } catch {
      size = { rows: Number.POSITIVE_INFINITY, bytes: 0 };
      // Not cached: the next statement asks again.
      this.cache.delete(key(database, relation));
      this.unknown.set(key(database, relation), size);
      return;
    }
    this.cache.set(key(database, relation), { at: this.now(), size });
  }

  /** Sizes that could not be read this time (counted as big). */
  private readonly unknown = new Map<string, TableSize>();

  /** The size to decide with, once load() settled. */
  sizeOf(database: string, relation: string): TableSize | undefined {
    const cached = this.cached(database, relation);
    if (cached !== 'missing') return cached;
    const unknown = this.unknown.get(key(database, relation));
    this.unknown.delete(key(database, relation));
    return unknown;
  }
}

function key(database: string, relation: string): string {
  return `${database}\0${relation}`;
}

// How big the tables at stake are, read from pg_class on the proxy's own
// connection to the client's database (never the client's connection), and
// cached for a while: only statements the guard flags ever ask, and a second
// DDL on the same table within the TTL costs nothing. An unqualified name is
// looked up in the client session's search_path (see search-path.ts), which
// the lookup sets for itself, locally, before it reads.
import pg from 'pg';
import type { TableSize } from './verdicts.js';

/** Where a name is looked up: the client's database, role and search_path (undefined: the role's default). */
export interface LookupScope {
  readonly database: string;
  readonly role: string;
  readonly searchPath: string | undefined;
}

/**
 * search_path for the lookup's own transaction: the client's, or else the
 * default the client's role gets in this database (ALTER ROLE ... IN
 * DATABASE, ALTER ROLE, ALTER DATABASE, then the server's), with "$user"
 * meaning the client's role rather than the proxy's.
 */
function pathSql(scope: LookupScope): string {
  const role = pg.escapeLiteral(scope.role);
  const defaultPath = `(SELECT substr(cfg, 13) FROM pg_db_role_setting AS s CROSS JOIN LATERAL unnest(s.setconfig) AS cfg
     WHERE cfg LIKE 'search_path=%'
       AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = ${role}))
       AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
     ORDER BY s.setrole <> 0 DESC, s.setdatabase <> 0 DESC LIMIT 1)`;
  const path = `coalesce(${scope.searchPath === undefined ? 'NULL' : pg.escapeLiteral(scope.searchPath)}, ${defaultPath}, (SELECT reset_val FROM pg_settings WHERE name = 'search_path'))`;
  return `SELECT set_config('search_path', regexp_replace(${path}, '"?[$]user"?', quote_ident(${role}), 'g'), true)`;
}

/**
 * Rows from pg_class.reltuples (the sum over partitions for a partitioned
 * table); a relation never vacuumed or analyzed (reltuples -1 or 0) is
 * estimated from its size on disk, at 100 bytes a row, so that a freshly
 * loaded table is not mistaken for an empty one.
 */
function sizeSql(relation: string): string {
  const parts = relation.split('.').map((part) => `quote_ident(${pg.escapeLiteral(part)})`).join(` || '.' || `);
  return `WITH r AS (SELECT to_regclass(${parts}) AS oid),
members AS (SELECT t.relid FROM r, pg_partition_tree(r.oid) AS t UNION SELECT r.oid FROM r WHERE r.oid IS NOT NULL)
SELECT count(*)::int AS found,
       coalesce(sum(CASE WHEN c.reltuples > 0 THEN c.reltuples ELSE pg_relation_size(c.oid) / 100 END), 0)::float8 AS rows,
       coalesce(sum(pg_total_relation_size(c.oid)), 0)::float8 AS bytes
FROM members JOIN pg_class c ON c.oid = members.relid`;
}

/** Past this the lookup gives up and the table counts as big (a guard that cannot see must not wave through). */
const LOOKUP_TIMEOUT_MS = 2_000;

type Entry = { readonly at: number; readonly size: TableSize | undefined };

export class TableSizes {
  private readonly cache = new Map<string, Entry>();
  /** Sizes that could not be read this time (counted as big). */
  private readonly unknown = new Map<string, TableSize>();
  private sweptAt = 0;

  constructor(
    private readonly poolFor: (database: string) => pg.Pool,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached size (undefined: not a relation), or nothing cached: `missing`. */
  cached(scope: LookupScope, relation: string): TableSize | undefined | 'missing' {
    const entry = this.cache.get(key(scope, relation));
    if (entry === undefined || this.now() - entry.at > this.ttlMs) return 'missing';
    return entry.size;
  }

  /** Reads the sizes of the relations not cached. Never rejects. */
  async load(scope: LookupScope, relations: readonly string[]): Promise<void> {
    await Promise.all(relations.filter((relation) => this.cached(scope, relation) === 'missing').map((relation) => this.read(scope, relation)));
  }

  private async read(scope: LookupScope, relation: string): Promise<void> {
    let size: TableSize | undefined;
    try {
      // One round trip: the multi-statement Query is one implicit transaction, so the path set locally holds for the read and no longer.
      const results = (await this.poolFor(scope.database).query({
        text: `${pathSql(scope)};\n${sizeSql(relation)}`,
        // pg's client-side timeout: a lookup stuck behind a lock must not hold the client's statement.
        query_timeout: LOOKUP_TIMEOUT_MS,
      } as pg.QueryConfig)) as unknown as pg.QueryResult[];
      const row = results[1]?.rows[0] as { found: number; rows: number; bytes: number } | undefined;
      size = row !== undefined && row.found > 0 ? { rows: row.rows, bytes: row.bytes } : undefined;
    } catch {
      // Not cached: the next statement asks again.
      this.cache.delete(key(scope, relation));
      this.unknown.set(key(scope, relation), { rows: Number.POSITIVE_INFINITY, bytes: 0 });
      return;
    }
    this.sweep();
    this.cache.set(key(scope, relation), { at: this.now(), size });
  }

  /** Drops expired entries, at most once per TTL: tables come and go (test suites, tenants), and a name seen once must not stay forever. */
  private sweep(): void {
    const now = this.now();
    if (now - this.sweptAt < this.ttlMs) return;
    this.sweptAt = now;
    for (const [name, entry] of this.cache) if (now - entry.at > this.ttlMs) this.cache.delete(name);
  }

  /** Entries held (tests). */
  get size(): number {
    return this.cache.size;
  }

  /** The size to decide with, once load() settled. */
  sizeOf(scope: LookupScope, relation: string): TableSize | undefined {
    const cached = this.cached(scope, relation);
    if (cached !== 'missing') return cached;
    const unknown = this.unknown.get(key(scope, relation));
    this.unknown.delete(key(scope, relation));
    return unknown;
  }
}

/** A qualified name does not depend on the path, but keeping one key shape is simpler than the few lookups it would save. */
function key(scope: LookupScope, relation: string): string {
  return `${scope.database}\0${scope.role}\0${scope.searchPath ?? ''}\0${relation}`;
}

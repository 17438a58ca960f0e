// Read-only access to a metadata store, for the history commands (log, show,
// schema) of the CLI and the HTTP API. Unlike openStore it never creates or
// migrates anything: a missing store is an error that says so, and every
// connection is opened with default_transaction_read_only.
import pg from 'pg';
import { urlConfig } from './connection-config.js';
import { surviveLostConnections } from './pool-errors.js';
import { loadMigrations } from './migrations.js';
import { StoreError } from './store-error.js';
import type { BranchRow, CommitRow } from './types.js';
import { ancestors, firstParentAncestor, firstParentRootId, type AncestorOptions } from './ancestry.js';
import { COMMIT_COLUMNS, commitRow } from './commit-rows.js';
import { readTree, readTreeDefinitions } from './stored-trees.js';

export interface OpenReaderOptions {
  readonly url: string;
  /** The session time zone: how times without an offset in refs are read. Default: the server's. */
  readonly timeZone?: string | undefined;
  readonly poolSize?: number;
}

export interface RepositoryInfo {
  readonly name: string;
  readonly createdAt: Date;
}

/** A recursive CTE "chain(id, depth)": the first-parent chain from $1 (depth 0), at most $2 steps when given. */
const FIRST_PARENT_CHAIN = `chain(id, depth) AS (
    SELECT $1::text, 0
    UNION ALL
    SELECT c.parents[1], chain.depth + 1 FROM chain JOIN pggit.commits c ON c.id = chain.id
     WHERE cardinality(c.parents) > 0 AND ($2::int IS NULL OR chain.depth < $2::int))`;

/** Opens a store for reading; fails with STORE_DATABASE_MISSING when there is no history at url. */
export async function openHistoryReader(options: OpenReaderOptions): Promise<HistoryReader> {
  const reader = connectHistoryReader(options);
  try {
    await reader.check();
  } catch (error) {
    await reader.close();
    throw error;
  }
  return reader;
}

/** A reader that connects on first use (for a server: the store may appear later). */
export function connectHistoryReader(options: OpenReaderOptions): HistoryReader {
  const settings = ['-c default_transaction_read_only=on'];
  if (options.timeZone) settings.push(`-c TimeZone=${options.timeZone.replace(/[\\ ]/g, '\\$&')}`);
  const pool = new pg.Pool({
    ...urlConfig(options.url),
    max: options.poolSize ?? 2,
    application_name: 'pggit history',
    options: settings.join(' '),
    connectionTimeoutMillis: 10_000,
  });
  surviveLostConnections(pool);
  return new HistoryReader(pool, options.url);
}

/** A URL fit for messages: the password replaced by "****". */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return url;
  }
}

export class HistoryReader {
  constructor(
    readonly pool: pg.Pool,
    readonly url: string,
  ) {}

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Fails unless the store exists and this code understands its schema version. */
  async check(): Promise<void> {
    const where = displayUrl(this.url);
    let version: number | null;
    try {
      const { rows } = await this.pool.query<{ commits: string | null; versions: string | null }>(
        `SELECT to_regclass('pggit.commits')::text AS commits, to_regclass('pggit.schema_version')::text AS versions`,
      );
      if (!rows[0]?.commits || !rows[0].versions) {
        throw new StoreError('STORE_DATABASE_MISSING', `no pggit history at ${where}: the database has no pggit schema. Has a proxy run with this store?`);
      }
      version = (await this.pool.query<{ v: number | null }>('SELECT max(version) AS v FROM pggit.schema_version')).rows[0]?.v ?? null;
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const code = (error as { code?: string }).code;
      if (code === '3D000') {
        throw new StoreError('STORE_DATABASE_MISSING', `no pggit history at ${where}: the database does not exist. Has a proxy run with this store?`);
      }
      throw new Error(`cannot read the metadata store at ${where}: ${(error as Error).message}`);
    }
    const latest = (await loadMigrations()).at(-1)?.version ?? 0;
    if (version !== null && version > latest) {
      throw new StoreError('STORE_TOO_NEW', `the metadata store at ${where} is at schema version ${version}, newer than this pggit understands (${latest}); upgrade pggit`);
    }
  }

  async repositories(): Promise<RepositoryInfo[]> {
    const { rows } = await this.pool.query<{ name: string; created_at: Date }>('SELECT name, created_at FROM pggit.repositories ORDER BY name');
    return rows.map((row) => ({ name: row.name, createdAt: row.created_at }));
  }

  /** Live branches of a repository, by name. */
  async branches(repository: string): Promise<BranchRow[]> {
    const { rows } = await this.pool.query(
      `SELECT r.name AS repository, b.name, b.head, b.database, b.created_at, b.created_from
         FROM pggit.branches b JOIN pggit.repositories r ON r.id = b.repository_id
        WHERE r.name = $1 AND b.deleted_at IS NULL ORDER BY b.name`,
      [repository],
    );
    return rows.map((row) => ({
      repository: row.repository,
      name: row.name,
      head: row.head,
      database: row.database,
      createdAt: row.created_at,
      createdFrom: row.created_from,
    }));
  }

  async commit(repository: string, id: string): Promise<CommitRow | undefined> {
    const { rows } = await this.pool.query(
      `SELECT ${COMMIT_COLUMNS} FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
        WHERE r.name = $1 AND c.id = $2`,
      [repository, id],
    );
    return rows[0] ? commitRow(rows[0]) : undefined;
  }

  /** Ids of the repository's commits that start with prefix (lower-case hex), at most limit. */
  async idsWithPrefix(repository: string, prefix: string, limit = 10): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT c.id FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
        WHERE r.name = $1 AND c.id LIKE $2 || '%' ORDER BY c.id LIMIT $3`,
      [repository, prefix, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * The commit `steps` first parents back from id: { id, depth } where depth
   * < steps when the chain ended first (depth = how far it got).
   */
  async firstParentAncestor(id: string, steps: number): Promise<{ id: string; depth: number }> {
    return firstParentAncestor(this.pool, id, steps);
  }

  /** The first commit on id's first-parent chain (id included) committed at or before time, a timestamptz. */
  async firstParentAt(id: string, time: Date): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ id: string }>(
      `WITH RECURSIVE ${FIRST_PARENT_CHAIN}
       SELECT c.id FROM chain JOIN pggit.commits c ON c.id = chain.id
        WHERE c.committed_at <= $3 ORDER BY chain.depth LIMIT 1`,
      [id, null, time],
    );
    return rows[0]?.id;
  }

  /** The oldest commit of id's first-parent chain (its root). */
  async firstParentRoot(id: string): Promise<CommitRow> {
    const rootId = await firstParentRootId(this.pool, id);
    const { rows } = await this.pool.query(
      `SELECT ${COMMIT_COLUMNS} FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id WHERE c.id = $1`,
      [rootId],
    );
    return commitRow(rows[0]);
  }

  /**
   * Reads a time the way PostgreSQL does ($1::timestamptz, in the session's
   * time zone); text ending in "ago" is an interval before now ("2 hours ago").
   * Undefined when PostgreSQL does not take it.
   */
  async parseTime(text: string): Promise<Date | undefined> {
    const sql = /\bago\s*$/i.test(text) ? 'SELECT now() + $1::interval AS t' : 'SELECT $1::timestamptz AS t';
    try {
      const { rows } = await this.pool.query<{ t: Date }>(sql, [text]);
      return rows[0]?.t;
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code.startsWith('22')) return undefined; // data exception: not a time
      throw error;
    }
  }

  /**
   * Commits reachable from head through any parent, newest (last recorded)
   * first; only those whose changes touch one of keys when keys is given.
   */
  async ancestors(head: string, options: AncestorOptions = {}): Promise<CommitRow[]> {
    return ancestors(this.pool, head, options);
  }

  /** Distinct change keys of a repository that contain text (a cheap prefilter for exact matching in code). */
  async keysContaining(repository: string, texts: readonly string[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ key: string }>(
      `SELECT DISTINCT ch.key FROM pggit.changes ch JOIN pggit.commits c ON c.id = ch.commit_id
         JOIN pggit.repositories r ON r.id = c.repository_id
        WHERE r.name = $1 AND EXISTS (SELECT 1 FROM unnest($2::text[]) t WHERE strpos(ch.key, t) > 0)`,
      [repository, texts],
    );
    return rows.map((row) => row.key);
  }

  /**
   * Every stored version (key, definition) of the repository's keys of the
   * given kinds whose definition contains one of texts (a cheap prefilter).
   */
  async keyDefinitionsContaining(repository: string, kinds: readonly string[], texts: readonly string[]): Promise<Array<{ key: string; definition: string }>> {
    const { rows } = await this.pool.query<{ key: string; definition: string }>(
      `SELECT DISTINCT ch.key, d.definition FROM pggit.changes ch JOIN pggit.commits c ON c.id = ch.commit_id
         JOIN pggit.repositories r ON r.id = c.repository_id JOIN pggit.definitions d ON d.hash = ch.definition_hash
        WHERE r.name = $1 AND split_part(ch.key, ':', 1) = ANY($2::text[])
          AND EXISTS (SELECT 1 FROM unnest($3::text[]) t WHERE strpos(d.definition, t) > 0)`,
      [repository, kinds, texts],
    );
    return rows;
  }

  /** What a commit changed relative to its first parent: key -> definition hash, null when removed. */
  async changes(commitId: string): Promise<Map<string, string | null>> {
    const { rows } = await this.pool.query<{ key: string; definition_hash: string | null }>(
      'SELECT key, definition_hash FROM pggit.changes WHERE commit_id = $1 ORDER BY key',
      [commitId],
    );
    return new Map(rows.map((row) => [row.key, row.definition_hash]));
  }

  /** The tree (key -> definition hash) at a commit, or only its entries for keys. */
  async treeAt(commitId: string | null, keys?: readonly string[]): Promise<Map<string, string>> {
    return readTree(this.pool, commitId, keys);
  }

  /** The tree at a commit with its stored definition texts (key -> text). */
  async definitionsAt(commitId: string): Promise<Map<string, string>> {
    return readTreeDefinitions(this.pool, commitId);
  }

  /** Stored definition texts by hash. */
  async definitions(hashes: Iterable<string>): Promise<Map<string, string>> {
    const wanted = [...new Set(hashes)];
    if (wanted.length === 0) return new Map();
    const { rows } = await this.pool.query<{ hash: string; definition: string }>(
      'SELECT hash, definition FROM pggit.definitions WHERE hash = ANY($1)',
      [wanted],
    );
    return new Map(rows.map((row) => [row.hash, row.definition]));
  }
}

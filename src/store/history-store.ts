// Reads and writes the history: repositories, branches, commits, trees.
// Every move of a branch head happens inside a transaction that holds the
// branch row FOR UPDATE, so several proxies can share one store.
import pg from 'pg';
import { buildCommits, type BuiltCommits, type HeadPlacement, type HeadTree, type RecordInput } from './commit-builder.js';
import { writeCommits } from './commit-writes.js';
import { TreeHasher, type Tree } from './hashing.js';
import type { CommitIdentities } from './identities.js';
import { StoreError } from './store-error.js';
import { readTree } from './stored-trees.js';
import type { BranchRow, CommitRow } from './types.js';

/** A branch head's tree and its hasher, updated in place by the next commit. */
interface CachedHead extends HeadTree {
  /** Known once this process wrote the head: the next commits can then go on it in one statement. */
  readonly placement?: HeadPlacement;
}

/**
 * The identities of the objects the commits add or change (one entry per
 * input, undefined where nothing is recorded), asked for once the commits
 * are built and written with them. It must not fail: the commits matter more.
 */
export type IdentitiesOf = (commits: ReadonlyArray<CommitRow | undefined>) => Promise<readonly CommitIdentities[]>;

/** Recording while withBranchLock holds the branch: commits go on top of the locked head. */
export interface LockedBranch {
  record(inputs: readonly RecordInput[], identitiesOf?: IdentitiesOf): Promise<Array<CommitRow | undefined>>;
  /** The store connection holding the lock: writes that must commit with the commit (its identities) go through it. */
  readonly client: pg.ClientBase;
}

export class HistoryStore {
  private readonly heads = new Map<string, CachedHead>();
  /** Definition texts by hash: immutable, so safe to keep. */
  private readonly definitionCache = new Map<string, string>();
  /** Repository ids by name: a repository is never deleted, so one lookup per process. */
  private readonly repositoryIds = new Map<string, number>();

  private ready: Promise<void> | undefined;

  constructor(
    readonly pool: pg.Pool,
    private readonly prepare: () => Promise<void> = async () => undefined,
  ) {}

  /** True when the store answers a query (readiness). */
  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Creates/migrates the store once; after a failure the next call tries again. */
  ensureReady(): Promise<void> {
    this.ready ??= this.prepare().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** The repository's id, creating it (and its main branch row) on first use. */
  async repositoryId(name: string, mainDatabase = name): Promise<number> {
    const known = this.repositoryIds.get(name);
    if (known !== undefined) return known;
    const found = await this.pool.query<{ id: number }>('SELECT id FROM pggit.repositories WHERE name = $1', [name]);
    if (found.rows[0]) {
      this.repositoryIds.set(name, found.rows[0].id);
      return found.rows[0].id;
    }
    const created = await this.pool.query<{ id: number }>(
      `WITH r AS (INSERT INTO pggit.repositories (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id)
       SELECT id FROM r UNION ALL SELECT id FROM pggit.repositories WHERE name = $1 LIMIT 1`,
      [name],
    );
    const id = created.rows[0]!.id;
    await this.pool.query(
      `INSERT INTO pggit.branches (repository_id, name, database) VALUES ($1, 'main', $2) ON CONFLICT DO NOTHING`,
      [id, mainDatabase],
    );
    return id;
  }

  async branch(repository: string, name: string): Promise<BranchRow | undefined> {
    const { rows } = await this.pool.query(
      `SELECT r.name AS repository, b.name, b.head, b.database, b.created_at, b.created_from
         FROM pggit.branches b JOIN pggit.repositories r ON r.id = b.repository_id
        WHERE r.name = $1 AND b.name = $2 AND b.deleted_at IS NULL`,
      [repository, name],
    );
    const row = rows[0];
    return row
      ? { repository: row.repository, name: row.name, head: row.head, database: row.database, createdAt: row.created_at, createdFrom: row.created_from }
      : undefined;
  }

  /**
   * Records a commit on top of the branch head. Returns the new commit, or
   * undefined when skipIfUnchanged and the changes change nothing.
   */
  async record(input: RecordInput, identitiesOf?: IdentitiesOf): Promise<CommitRow | undefined> {
    return (await this.recordMany([input], identitiesOf))[0];
  }

  /**
   * Records commits one on top of the other, all on the same branch, in one
   * transaction under one branch lock (commits that queued up while the
   * store was busy). One result per input, undefined where skipIfUnchanged
   * and nothing changed.
   */
  async recordMany(inputs: readonly RecordInput[], identitiesOf?: IdentitiesOf): Promise<Array<CommitRow | undefined>> {
    const first = inputs[0];
    if (first === undefined) return [];
    if (inputs.some((input) => input.repository !== first.repository || input.branch !== first.branch)) {
      throw new Error('recordMany: every commit must go to the same branch');
    }
    const written = await this.recordOnCachedHead(first.repository, first.branch, inputs, identitiesOf);
    return written ?? this.withBranchLock(first.repository, first.branch, (_head, locked) => locked.record(inputs, identitiesOf));
  }

  /**
   * The common case, one statement and no transaction of our own: this
   * process wrote the head last, so its tree and placement are known, and
   * the commits go on it unless another writer moved it meanwhile (then
   * undefined: the caller records under the branch lock, from the stored
   * head). Also undefined when nothing would be written (skipIfUnchanged
   * must compare with the real head).
   */
  private async recordOnCachedHead(
    repository: string,
    branch: string,
    inputs: readonly RecordInput[],
    identitiesOf: IdentitiesOf | undefined,
  ): Promise<Array<CommitRow | undefined> | undefined> {
    const key = cacheKey(repository, branch);
    const cached = this.heads.get(key);
    if (cached?.placement === undefined) return undefined;
    const repositoryId = await this.repositoryId(repository);
    // Taken out of the cache while it changes: put back only once written.
    this.heads.delete(key);
    const built = await this.buildCommits(this.pool, cached, cached.placement, inputs);
    if (built.prepared.length === 0) {
      this.heads.set(key, cached);
      return undefined;
    }
    const identities = await identitiesOf?.(built.results);
    const moved = await writeCommits(this.pool, { repositoryId, branch, expectedHead: cached.head, commits: built.prepared, identities });
    if (!moved) return undefined;
    this.heads.set(key, { head: built.head, tree: cached.tree, hasher: cached.hasher, placement: built.placement });
    return built.results;
  }

  /**
   * Runs fn in one store transaction that holds the branch's lock (the row
   * FOR UPDATE every head move takes): no other writer moves the head until
   * fn is done, and fn's commits go on the head it was given (branch
   * operations that plan from the head, act, then record).
   */
  async withBranchLock<T>(repository: string, branch: string, fn: (head: string | null, locked: LockedBranch) => Promise<T>): Promise<T> {
    const repositoryId = await this.repositoryId(repository);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const locked = await client.query<{ head: string | null }>({
        name: 'pggit_lock_branch',
        text: 'SELECT head FROM pggit.branches WHERE repository_id = $1 AND name = $2 AND deleted_at IS NULL FOR UPDATE',
        values: [repositoryId, branch],
      });
      if (!locked.rows[0]) throw new StoreError('UNKNOWN_BRANCH', `branch "${branch}" of "${repository}" does not exist`);
      let head = locked.rows[0].head;
      const result = await fn(head, {
        client,
        record: async (inputs, identitiesOf) => {
          const results = await this.recordLocked(client, repositoryId, repository, branch, head, inputs, identitiesOf);
          head = results.findLast((commit) => commit !== undefined)?.id ?? head;
          return results;
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.heads.delete(cacheKey(repository, branch));
      throw error;
    } finally {
      client.release();
    }
  }

  private async recordLocked(
    client: pg.PoolClient,
    repositoryId: number,
    repository: string,
    branch: string,
    lockedHead: string | null,
    inputs: readonly RecordInput[],
    identitiesOf: IdentitiesOf | undefined,
  ): Promise<Array<CommitRow | undefined>> {
    // Taken out of the cache while it changes: put back only once committed.
    const head = await this.takeCachedHead(client, repository, branch, lockedHead);
    // A statement of its own: after waiting for the lock, only a new snapshot sees the head another writer just committed.
    const placement = head.placement !== undefined ? head.placement : lockedHead === null ? null : await headPlacement(client, lockedHead);
    const built = await this.buildCommits(client, head, placement, inputs);
    const identities = built.prepared.length === 0 ? undefined : await identitiesOf?.(built.results);
    if (!(await writeCommits(client, { repositoryId, branch, expectedHead: lockedHead, commits: built.prepared, identities }))) {
      throw new Error(`the metadata store is inconsistent: branch "${branch}" of "${repository}" moved while its lock was held`);
    }
    // The tree is the head's once the transaction commits; a failure after this drops it from the cache (withBranchLock).
    this.heads.set(cacheKey(repository, branch), { head: built.head, tree: head.tree, hasher: head.hasher, placement: built.placement });
    return built.results;
  }

  /** buildCommits, with the texts of definitions kept by hash (immutable). */
  private buildCommits(client: pg.ClientBase | pg.Pool, from: HeadTree, fromPlacement: HeadPlacement, inputs: readonly RecordInput[]): Promise<BuiltCommits> {
    return buildCommits(from, fromPlacement, inputs, {
      of: (tree) => this.definitionsOf(tree, client),
      learn: (definitions) => {
        for (const [hash, text] of definitions) this.definitionCache.set(hash, text);
      },
    });
  }

  /** The tree (key -> definition hash) at a commit. */
  async treeAt(commitId: string | null, client: pg.ClientBase | pg.Pool = this.pool): Promise<Map<string, string>> {
    return readTree(client, commitId);
  }

  /** Definition texts for a tree: key -> stored definition. */
  async definitionsOf(tree: Tree, client: pg.ClientBase | pg.Pool = this.pool): Promise<Map<string, string>> {
    // One pass and no array per entry: this runs for every commit, over the whole head.
    const missing = new Set<string>();
    for (const hash of tree.values()) if (!this.definitionCache.has(hash)) missing.add(hash);
    if (missing.size > 0) {
      const { rows } = await client.query<{ hash: string; definition: string }>(
        'SELECT hash, definition FROM pggit.definitions WHERE hash = ANY($1)',
        [[...missing]],
      );
      for (const row of rows) this.definitionCache.set(row.hash, row.definition);
    }
    const definitions = new Map<string, string>();
    for (const [key, hash] of tree) definitions.set(key, this.definitionCache.get(hash) ?? '');
    return definitions;
  }

  private async takeCachedHead(client: pg.ClientBase, repository: string, branch: string, head: string | null): Promise<CachedHead> {
    const key = cacheKey(repository, branch);
    const cached = this.heads.get(key);
    this.heads.delete(key);
    if (cached && cached.head === head) return cached;
    // Another proxy moved the head (or first use): read the tree from the store.
    const tree = await this.treeAt(head, client);
    return { head, tree, hasher: new TreeHasher(tree) };
  }
}

async function headPlacement(client: pg.ClientBase, head: string): Promise<HeadPlacement> {
  const { rows } = await client.query<{ depth: number; checkpoint: string; since_checkpoint: number }>({
    name: 'pggit_head_placement',
    text: `SELECT h.depth, h.checkpoint, h.depth - cp.depth AS since_checkpoint
       FROM pggit.commits h JOIN pggit.commits cp ON cp.id = h.checkpoint WHERE h.id = $1`,
    values: [head],
  });
  const row = rows[0];
  if (!row) throw new Error(`the metadata store is inconsistent: branch head ${head} is not among its commits`);
  return { depth: row.depth, checkpoint: row.checkpoint, sinceCheckpoint: row.since_checkpoint };
}

function cacheKey(repository: string, branch: string): string {
  return `${repository}\0${branch}`;
}

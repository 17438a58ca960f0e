// `pggit gc`: removes what no commit needs any more.
//
// Commits are never deleted by pggit's other operations (a deleted branch
// keeps its history readable), and definitions and trees are written in the
// same transaction as the commits that use them, so on their own they never
// become unreferenced. What does pile up is the history of deleted
// branches: with expireDeleted, the rows of branches deleted longer ago than
// that go, then every commit that no remaining branch head (live or deleted
// more recently) and no merge in progress reaches through its parents (with
// their changes and identities, ON DELETE CASCADE), then stored trees no
// commit has, then definitions no change and no tree names. Without it the
// same walk runs but every branch row keeps its history, so only what no
// branch reaches at all goes (left, for instance, by a store edited by
// hand). A commit being written is not visible to gc until its transaction
// commits, and then its branch's head already names it.
//
// Against a recorder writing at the same time: writeCommits writes a
// commit's definitions, then its trees, then the commit and its changes, in
// one statement (inside the branch lock's transaction, or on its own). A definition (or tree) it re-inserts with ON CONFLICT DO
// NOTHING takes no lock on the existing row, so gc could delete it between
// that INSERT and the changes that refer to it. gc therefore takes SHARE ROW
// EXCLUSIVE on definitions and then trees (the writers' order, so no
// deadlock): it waits for every writer that already inserted into them to
// commit, and holds new writers at their INSERT until gc commits; after the
// lock each gc statement sees every committed commit. An age guard ("only
// rows older than an hour") would instead depend on clocks and on how long
// a writer's transaction can last. lock_timeout bounds how long recorders
// can be held: gc fails with "try again" rather than stall them.
import type pg from 'pg';
import { storeSizeBytes } from './store-size.js';

export interface GcOptions {
  readonly dryRun?: boolean | undefined;
  /** A PostgreSQL interval ("30d", "0"): remove the history of branches deleted longer ago. undefined: keep it. */
  readonly expireDeleted?: string | undefined;
  /** How long to wait for (and hold up) writers; default 10 s. */
  readonly lockTimeoutMs?: number | undefined;
  /**
   * VACUUM FULL the tables afterwards: gives the space back to the operating
   * system, but rewrites each table under an exclusive lock (writers wait,
   * at most lockTimeoutMs to get it). Default: plain VACUUM, which makes the
   * space reusable by new history without blocking anyone.
   */
  readonly full?: boolean | undefined;
}

export interface GcResult {
  readonly dryRun: boolean;
  readonly storeBytesBefore: number;
  readonly storeBytesAfter: number;
  readonly removed: { readonly branches: number; readonly commits: number; readonly trees: number; readonly definitions: number };
}

const EXPIRED = `deleted_at IS NOT NULL AND deleted_at < now() - $1::interval`;

const UNREACHABLE_COMMITS = `WITH RECURSIVE kept(id) AS (
    SELECT head FROM pggit.branches WHERE head IS NOT NULL
    UNION SELECT base FROM pggit.merges WHERE base IS NOT NULL
    UNION SELECT ours FROM pggit.merges
    UNION SELECT theirs FROM pggit.merges
    UNION SELECT p.id FROM kept JOIN pggit.commits c ON c.id = kept.id CROSS JOIN LATERAL unnest(c.parents) AS p(id))
  DELETE FROM pggit.commits c WHERE NOT EXISTS (SELECT 1 FROM kept WHERE kept.id = c.id)`;

const UNUSED_TREES = `DELETE FROM pggit.trees t WHERE NOT EXISTS (SELECT 1 FROM pggit.commits c WHERE c.tree_hash = t.hash)`;

const UNUSED_DEFINITIONS = `WITH used(hash) AS (
    SELECT definition_hash FROM pggit.changes WHERE definition_hash IS NOT NULL
    UNION SELECT unnest(definition_hashes) FROM pggit.trees)
  DELETE FROM pggit.definitions d WHERE NOT EXISTS (SELECT 1 FROM used WHERE used.hash = d.hash)`;

const VACUUMED = ['commits', 'changes', 'object_identities', 'trees', 'definitions', 'branches'];

export async function collectGarbage(pool: pg.Pool, options: GcOptions = {}): Promise<GcResult> {
  const storeBytesBefore = await storeSizeBytes(pool);
  const client = await pool.connect();
  let removed: GcResult['removed'];
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${options.lockTimeoutMs ?? 10_000}ms`]);
    await client.query('LOCK TABLE pggit.definitions, pggit.trees IN SHARE ROW EXCLUSIVE MODE');
    const branches = options.expireDeleted === undefined ? 0 : ((await client.query(`DELETE FROM pggit.branches WHERE ${EXPIRED}`, [options.expireDeleted])).rowCount ?? 0);
    const commits = (await client.query(UNREACHABLE_COMMITS)).rowCount ?? 0;
    const trees = (await client.query(UNUSED_TREES)).rowCount ?? 0;
    const definitions = (await client.query(UNUSED_DEFINITIONS)).rowCount ?? 0;
    removed = { branches, commits, trees, definitions };
    await client.query(options.dryRun ? 'ROLLBACK' : 'COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  if (!options.dryRun && Object.values(removed).some((n) => n > 0)) await vacuum(pool, options);
  return { dryRun: options.dryRun === true, storeBytesBefore, storeBytesAfter: await storeSizeBytes(pool), removed };
}

async function vacuum(pool: pg.Pool, options: GcOptions): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${options.lockTimeoutMs ?? 10_000}ms`]);
    for (const table of VACUUMED) await client.query(`VACUUM ${options.full ? 'FULL ' : ''}pggit.${table}`);
  } finally {
    await client.query('RESET lock_timeout').catch(() => undefined);
    client.release();
  }
}

// What the fault tests check after the fault: the recorded head of a
// repository against its live catalog, and what kinds of commits the store
// holds. Nothing lost means both hold.
import pg from 'pg';
import { decodeObject, diffObjects, readCatalog } from '../../src/history/index.js';
import { HistoryStore } from '../../src/store/index.js';
import { upstreamUrl } from './proxy.js';

export interface HeadVersusLive {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
  /** Objects in the live catalog. */
  readonly live: number;
}

/** The branch head's tree compared with the live catalog of the database (empty lists: equal). */
export async function headVersusLive(storeUrl: string, repository: string, databaseUrl: string, branch = 'main'): Promise<HeadVersusLive> {
  const pool = new pg.Pool({ connectionString: storeUrl, max: 2 });
  const live = new pg.Client({ connectionString: databaseUrl });
  await live.connect();
  try {
    const store = new HistoryStore(pool);
    const head = (await store.branch(repository, branch))?.head ?? null;
    const recorded = [...(await store.definitionsOf(await store.treeAt(head)))].map(([key, stored]) => decodeObject(key, stored));
    const actual = await readCatalog(live);
    const diff = diffObjects(recorded, actual);
    const keys = (objects: ReadonlyArray<{ key: string }>): string[] => objects.map((object) => object.key);
    return { added: keys(diff.added), removed: keys(diff.removed), changed: diff.changed.map((change) => change.after.key), live: actual.length };
  } finally {
    await live.end();
    await pool.end();
  }
}

export interface CommitCounts {
  readonly baseline: number;
  readonly observed: number;
  readonly detected: number;
  /** Commits whose first parent another commit also has (a fork in one branch's line: a duplicate or a lost write race). */
  readonly forks: number;
}

/** Commits of the repository's branch by kind. */
export async function commitCounts(storeUrl: string, repository: string, branch = 'main'): Promise<CommitCounts> {
  const client = new pg.Client({ connectionString: storeUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ kind: string; n: number }>(
      `SELECT c.kind, count(*)::int AS n FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
        WHERE r.name = $1 AND c.branch = $2 GROUP BY c.kind`,
      [repository, branch],
    );
    const forks = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT c.parents[1] FROM pggit.commits c JOIN pggit.repositories r ON r.id = c.repository_id
          WHERE r.name = $1 AND c.branch = $2 AND cardinality(c.parents) > 0 GROUP BY 1 HAVING count(*) > 1) f`,
      [repository, branch],
    );
    const of = (kind: string): number => rows.find((row) => row.kind === kind)?.n ?? 0;
    return { baseline: of('baseline'), observed: of('observed'), detected: of('detected'), forks: forks.rows[0]!.n };
  } finally {
    await client.end();
  }
}

/** Drops the databases (if they exist) on the test server and creates the first `create` of them anew, empty. */
export async function freshDatabases(drop: readonly string[], create: readonly string[] = drop): Promise<void> {
  const admin = new pg.Client({ connectionString: upstreamUrl() });
  await admin.connect();
  try {
    for (const name of drop) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    for (const name of create) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
}

// Object identities per commit (sql/004_object_identities.sql): written
// with each commit (commit-writes.ts) for the keys it added or changed, read by
// diff and revert for the keys whose names differ between two trees.
import type pg from 'pg';

export interface StoredIdentity {
  readonly identity: string;
  /** Column name (as quote_ident writes it) -> attnum, for tables. */
  readonly columns: Readonly<Record<string, number>> | null;
}

/** A commit's identities: of the keys it added or changed. */
export interface CommitIdentities {
  readonly commitId: string;
  readonly identities: ReadonlyMap<string, StoredIdentity>;
}

export async function writeIdentities(pool: pg.Pool | pg.ClientBase, commitId: string, identities: ReadonlyMap<string, StoredIdentity>): Promise<void> {
  const [commitIds, keys, found, columns] = identityColumns([{ commitId, identities }]);
  if (commitIds.length === 0) return;
  await pool.query(
    `INSERT INTO pggit.object_identities (commit_id, key, identity, columns)
     SELECT c, k, i, j::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(c, k, i, j)
     ON CONFLICT DO NOTHING`,
    [commitIds, keys, found, columns],
  );
}

/** Identity rows as parallel arrays (commit id, key, identity, columns as JSON text), for unnest(). */
export function identityColumns(commits: readonly CommitIdentities[]): [string[], string[], string[], Array<string | null>] {
  const rows = commits.flatMap(({ commitId, identities }) => [...identities].map(([key, found]) => [commitId, key, found] as const));
  return [
    rows.map(([commitId]) => commitId),
    rows.map(([, key]) => key),
    rows.map(([, , found]) => found.identity),
    rows.map(([, , found]) => (found.columns === null ? null : JSON.stringify(found.columns))),
  ];
}

/** The identity of each key at a commit: its latest row along the first-parent chain. */
export async function identitiesAt(pool: pg.Pool | pg.ClientBase, commitId: string, keys: readonly string[]): Promise<Map<string, StoredIdentity>> {
  const found = new Map<string, StoredIdentity>();
  if (keys.length === 0) return found;
  const { rows } = await pool.query<{ key: string; identity: string; columns: Record<string, number> | null }>(
    `WITH RECURSIVE chain(id, depth) AS (
       SELECT $1::text, 0
       UNION ALL
       SELECT c.parents[1], chain.depth + 1 FROM chain JOIN pggit.commits c ON c.id = chain.id WHERE cardinality(c.parents) > 0)
     SELECT DISTINCT ON (i.key) i.key, i.identity, i.columns
       FROM pggit.object_identities i JOIN chain ON chain.id = i.commit_id
      WHERE i.key = ANY($2)
      ORDER BY i.key, chain.depth`,
    [commitId, keys],
  );
  for (const row of rows) found.set(row.key, { identity: row.identity, columns: row.columns });
  return found;
}

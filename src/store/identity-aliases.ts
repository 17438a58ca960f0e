// Identities that name one object in several databases (sql/005_merges.sql):
// written when a branch database is built and when a merge creates objects,
// read as classes (union-find) so any identity maps to one representative.
import type pg from 'pg';

export async function writeAliases(pool: pg.Pool | pg.ClientBase, repositoryId: number, pairs: ReadonlyArray<readonly [string, string]>): Promise<void> {
  const useful = pairs.filter(([a, b]) => a !== b);
  if (useful.length === 0) return;
  await pool.query(
    `INSERT INTO pggit.identity_aliases (repository_id, identity, same_as)
     SELECT $1, i, s FROM unnest($2::text[], $3::text[]) AS t(i, s) ON CONFLICT DO NOTHING`,
    [repositoryId, useful.map((pair) => pair[0]), useful.map((pair) => pair[1])],
  );
}

/** identity -> the representative of its class (the smallest text), for every aliased identity of the repository. */
export async function aliasClasses(pool: pg.Pool | pg.ClientBase, repositoryId: number): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ identity: string; same_as: string }>(
    'SELECT identity, same_as FROM pggit.identity_aliases WHERE repository_id = $1',
    [repositoryId],
  );
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const { identity, same_as: same } of rows) {
    const a = find(identity);
    const b = find(same);
    if (a !== b) (a < b ? parent.set(b, a) : parent.set(a, b));
  }
  return new Map([...parent.keys()].map((key) => [key, find(key)]));
}

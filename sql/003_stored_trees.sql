-- pggit metadata store, version 3: trees without replaying history.
-- Until now the tree at a commit was the latest change per key along the
-- whole first-parent chain, so reading it cost O(history). Now some commits
-- (checkpoints: every root, then one every so many commits along a chain)
-- have their whole tree stored, content-addressed by tree hash, and every
-- commit knows its nearest checkpoint: the tree at a commit is that stored
-- tree plus the changes of the few commits after it. `depth` (first-parent
-- steps to the root) lets HEAD~N hop from checkpoint to checkpoint.

-- A whole tree: parallel arrays sorted by key. Identical trees are stored once.
CREATE TABLE pggit.trees (
  hash               text PRIMARY KEY,      -- = commits.tree_hash
  keys               text[] NOT NULL,
  definition_hashes  text[] NOT NULL
);

ALTER TABLE pggit.commits
  ADD COLUMN depth integer,                  -- first-parent steps to the root (a root: 0)
  ADD COLUMN checkpoint text;                -- nearest commit on the first-parent chain (itself included) whose tree is in pggit.trees

-- The tree at a commit: its checkpoint's stored tree, then the changes of
-- the commits from the checkpoint (excluded) to it, the newest per key winning.
CREATE FUNCTION pggit.tree_at(text) RETURNS TABLE (key text, definition_hash text)
LANGUAGE sql STABLE AS $$
  WITH RECURSIVE target AS (
    SELECT c.checkpoint FROM pggit.commits c WHERE c.id = $1
  ), chain(id, parent, step) AS (
    SELECT c.id, c.parents[1], 0 FROM pggit.commits c, target WHERE c.id = $1 AND c.id <> target.checkpoint
    UNION ALL
    SELECT c.id, c.parents[1], chain.step + 1
      FROM chain JOIN pggit.commits c ON c.id = chain.parent, target
     WHERE c.id <> target.checkpoint
  ), entries(key, definition_hash, step) AS (
    SELECT ch.key, ch.definition_hash, chain.step FROM chain JOIN pggit.changes ch ON ch.commit_id = chain.id
    UNION ALL
    SELECT e.key, e.definition_hash, 2147483647
      FROM target JOIN pggit.commits cp ON cp.id = target.checkpoint JOIN pggit.trees t ON t.hash = cp.tree_hash,
           unnest(t.keys, t.definition_hashes) AS e(key, definition_hash)
  )
  SELECT latest.key, latest.definition_hash
    FROM (SELECT DISTINCT ON (entries.key) entries.key, entries.definition_hash FROM entries ORDER BY entries.key, entries.step) latest
   WHERE latest.definition_hash IS NOT NULL
$$;

-- Backfill the history recorded by earlier versions, oldest first (a parent
-- is always recorded before its children): a checkpoint at every root and
-- every 64 commits along a chain.
DO $$
DECLARE
  item record;
  parent_depth integer;
  parent_checkpoint text;
  since_checkpoint integer;
BEGIN
  FOR item IN SELECT id, parents[1] AS parent, tree_hash FROM pggit.commits ORDER BY seq LOOP
    parent_depth := NULL;
    parent_checkpoint := NULL;
    since_checkpoint := NULL;
    IF item.parent IS NOT NULL THEN
      SELECT p.depth, p.checkpoint, p.depth - cp.depth INTO parent_depth, parent_checkpoint, since_checkpoint
        FROM pggit.commits p JOIN pggit.commits cp ON cp.id = p.checkpoint
       WHERE p.id = item.parent;
    END IF;
    IF parent_checkpoint IS NULL OR since_checkpoint + 1 >= 64 THEN
      INSERT INTO pggit.trees (hash, keys, definition_hashes)
      SELECT item.tree_hash, coalesce(array_agg(t.key ORDER BY t.key), '{}'), coalesce(array_agg(t.definition_hash ORDER BY t.key), '{}')
        FROM (SELECT DISTINCT ON (e.key) e.key, e.definition_hash
                FROM (SELECT ch.key, ch.definition_hash, 0 AS o FROM pggit.changes ch WHERE ch.commit_id = item.id
                      UNION ALL
                      SELECT p.key, p.definition_hash, 1 FROM pggit.tree_at(item.parent) p) e
               ORDER BY e.key, e.o) t
       WHERE t.definition_hash IS NOT NULL
      ON CONFLICT (hash) DO NOTHING;
      UPDATE pggit.commits SET depth = coalesce(parent_depth + 1, 0), checkpoint = id WHERE id = item.id;
    ELSE
      UPDATE pggit.commits SET depth = parent_depth + 1, checkpoint = parent_checkpoint WHERE id = item.id;
    END IF;
  END LOOP;
END
$$;

ALTER TABLE pggit.commits ALTER COLUMN depth SET NOT NULL, ALTER COLUMN checkpoint SET NOT NULL;

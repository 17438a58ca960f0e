-- pggit metadata store, version 5: merges.
--
-- Identity across databases: an object's identity is "<database>:<oid>",
-- so the same table in `app` and in the branch database `app@feature`
-- (built from the recorded schema) has two. When a branch is created, and
-- when a merge creates an object in the target's database, the new
-- identity is written here as the same as the one it was made from (tables
-- also per column: "<identity>#<attnum>"). Merge treats every identity of
-- one class as one object, so a rename on a branch stays a rename.
CREATE TABLE pggit.identity_aliases (
  repository_id  integer NOT NULL REFERENCES pggit.repositories,
  identity       text NOT NULL,
  same_as        text NOT NULL,
  PRIMARY KEY (repository_id, identity, same_as)
);

-- A merge that stopped on conflicts, one at a time per target branch,
-- visible to every process: `pggit merge --status/--resolve/--continue/
-- --abort` (or the HTTP API) work on it. base/ours/theirs are the commits
-- the merge was computed from; --continue refuses when the target's head
-- has moved since.
CREATE TABLE pggit.merges (
  repository_id  integer NOT NULL REFERENCES pggit.repositories,
  target         text NOT NULL,                 -- branch merged into
  source         text NOT NULL,                 -- branch merged from
  base           text REFERENCES pggit.commits,
  ours           text NOT NULL REFERENCES pggit.commits,
  theirs         text NOT NULL REFERENCES pggit.commits,
  conflicts      jsonb NOT NULL,                -- [{key, kind, base, ours, theirs}]
  resolutions    jsonb NOT NULL DEFAULT '{}',   -- key -> {"take": "ours"|"theirs"} | {"sql": "..."}
  started_by     text,
  started_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repository_id, target)
);

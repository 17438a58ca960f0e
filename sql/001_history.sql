-- pggit metadata store, version 1: repositories, commits (a DAG), branches
-- (refs), content-addressed object definitions and per-commit changes.
CREATE SCHEMA IF NOT EXISTS pggit;

-- One history per upstream database.
CREATE TABLE pggit.repositories (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Canonical object definitions, addressed by sha256(definition) in hex.
CREATE TABLE pggit.definitions (
  hash        text PRIMARY KEY,
  definition  text NOT NULL
);

CREATE TABLE pggit.commits (
  id                text PRIMARY KEY,           -- sha256 over tree, parents and metadata
  repository_id     integer NOT NULL REFERENCES pggit.repositories,
  parents           text[] NOT NULL,            -- first parent first; empty for a root
  tree_hash         text NOT NULL,              -- sha256 over the sorted (key, definition hash) pairs
  kind              text NOT NULL CHECK (kind IN ('baseline', 'observed', 'detected', 'merge', 'revert')),
  branch            text NOT NULL,              -- the branch it was recorded on
  author            text,                       -- role; NULL when detected
  database          text,
  application_name  text,
  client_address    text,
  backend_pid       integer,
  message           text NOT NULL,
  statements        text[] NOT NULL DEFAULT '{}',
  committed_at      timestamptz NOT NULL,       -- when the transaction committed (or was detected)
  recorded_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX commits_repository_seq ON pggit.commits (repository_id, seq);

-- What a commit changed relative to its first parent; NULL hash = removed.
-- The tree at a commit is the latest change per key along first parents.
CREATE TABLE pggit.changes (
  commit_id        text NOT NULL REFERENCES pggit.commits ON DELETE CASCADE,
  key              text NOT NULL,
  definition_hash  text REFERENCES pggit.definitions,
  PRIMARY KEY (commit_id, key)
);
CREATE INDEX changes_key ON pggit.changes (key);

CREATE TABLE pggit.branches (
  repository_id  integer NOT NULL REFERENCES pggit.repositories,
  name           text NOT NULL,
  head           text REFERENCES pggit.commits,
  database       text NOT NULL,                -- the physical database holding the branch
  created_at     timestamptz NOT NULL DEFAULT now(),
  created_from   text,
  deleted_at     timestamptz,
  PRIMARY KEY (repository_id, name)
);

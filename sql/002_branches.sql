-- pggit metadata store, version 2: a deleted branch keeps its row (its
-- history stays readable) and its name can be used again: names are unique
-- among live branches only.
ALTER TABLE pggit.branches DROP CONSTRAINT branches_pkey;
CREATE UNIQUE INDEX branches_live_name ON pggit.branches (repository_id, name) WHERE deleted_at IS NULL;
CREATE INDEX branches_repository ON pggit.branches (repository_id, name);

-- pggit metadata store, version 4: object identity as seen when a commit
-- was recorded (the object's oid in its database, and for tables the attnum
-- of each column), for the objects the commit added or changed. Two keys
-- with the same identity are one object renamed: diff and revert plan a
-- RENAME instead of a drop and an add. The identity of a key at a commit is
-- its latest row along first parents, like its definition.
CREATE TABLE pggit.object_identities (
  commit_id  text NOT NULL REFERENCES pggit.commits ON DELETE CASCADE,
  key        text NOT NULL,
  identity   text NOT NULL,              -- "<database>:<oid>"
  columns    jsonb,                      -- tables: {"column name as quote_ident writes it": attnum}
  PRIMARY KEY (commit_id, key)
);

-- pggit metadata store, version 6: when a client session last reached a
-- branch through a pggit proxy (`pggit branch list`, `branch prune
-- --idle-for`). Written by the proxy's router at most once a minute per
-- branch and process, never per query; NULL: no session seen yet.
ALTER TABLE pggit.branches ADD COLUMN last_session_at timestamptz;

// Triggers (including constraint triggers) from pg_get_triggerdef, with
// their enabled state and comment. A partition's clone of its parent's
// trigger is made by the parent's, which also writes the clones' enabled
// states where they differ from their parent's (ALTER TABLE without ONLY,
// shallowest first: it recurses into deeper partitions); internal triggers
// (foreign keys) are not schema of their own. A scoped read that reaches a
// clone reads the trigger it was cloned from (closure.ts).
import type { FamilyReader } from './family.js';
import { familyStatement } from './statement.js';
import { commentLine, inFilter, notExtensionMember, qualified, userSchema } from './sql.js';
import { hookReader } from './table-hooks.js';

const SQL = `
SELECT n.nspname AS schema, g.tgname AS name, q.qtable, quote_ident(g.tgname) AS qname, pg_get_triggerdef(g.oid) AS def,
  g.tgenabled AS enabled,
  CASE WHEN t.relkind = 'p' THEN (WITH RECURSIVE clones(oid, enabled, parent_enabled, depth) AS (
      SELECT c.oid, c.tgenabled, g.tgenabled, 1 FROM pg_trigger c WHERE c.tgparentid = g.oid
      UNION ALL SELECT c.oid, c.tgenabled, k.enabled, k.depth + 1 FROM clones k JOIN pg_trigger c ON c.tgparentid = k.oid)
    SELECT string_agg(format('ALTER TABLE %s %s TRIGGER %I;', ${qualified('cn.nspname', 'ct.relname')},
        CASE k.enabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA' WHEN 'A' THEN 'ENABLE ALWAYS' ELSE 'ENABLE' END, g.tgname),
        E'\n' ORDER BY k.depth, cn.nspname, ct.relname)
    FROM clones k JOIN pg_trigger c ON c.oid = k.oid JOIN pg_class ct ON ct.oid = c.tgrelid JOIN pg_namespace cn ON cn.oid = ct.relnamespace
    WHERE k.enabled <> k.parent_enabled) END AS clone_states,
  ${commentLine(`format('TRIGGER %I ON %s', g.tgname, q.qtable)`, 'pg_trigger', 'g.oid')} AS comment
FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  CROSS JOIN LATERAL (SELECT ${qualified('n.nspname', 't.relname')} AS qtable) q
WHERE NOT g.tgisinternal AND g.tgparentid = 0 AND t.relkind IN ('r', 'p', 'v', 'f') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 't.oid')}
  AND ${inFilter('g.oid')}`;

const STATEMENT = familyStatement('triggers', SQL);

export const readTriggers: FamilyReader = hookReader('trigger', STATEMENT, 'triggers', (row) => `${row.def};`);

// Reads the identity of objects by key from a live catalog: the oid (as
// "<database>:<oid>", since oids mean nothing across databases) and, for
// tables, each column's attnum. Looked up by name, never with to_reg*(),
// which fails on a type that is only a shell or was dropped since. The recorder stores them with each commit
// so that a rename seen on the wire stays a rename in diff and revert.
import type pg from 'pg';
import { parseKey, pipelined } from './catalog/index.js';
import type { StoredIdentity } from '../store/index.js';

const RELATIONS = new Set(['table', 'view', 'materialized_view', 'sequence', 'index']);
const TYPES = new Set(['type', 'domain']);
const ROUTINES = new Set(['function', 'procedure', 'aggregate']);
const ON_TABLE: Readonly<Record<string, string>> = {
  constraint: 'SELECT oid FROM pg_constraint WHERE conrelid = to_regclass(k.rel) AND conname = k.name',
  trigger: 'SELECT oid FROM pg_trigger WHERE tgrelid = to_regclass(k.rel) AND tgname = k.name',
  policy: 'SELECT oid FROM pg_policy WHERE polrelid = to_regclass(k.rel) AND polname = k.name',
  rule: 'SELECT oid FROM pg_rewrite WHERE ev_class = to_regclass(k.rel) AND rulename = k.name',
};

/** The key without its kind: the qualified name as SQL writes it (a function with its argument types). */
function keyText(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

interface IdentityRow extends Record<string, unknown> {
  key: string;
  oid: string | null;
  database: string;
  columns: Record<string, number> | null;
}

export async function readIdentities(client: pg.ClientBase, keys: readonly string[]): Promise<Map<string, StoredIdentity>> {
  const rows: Array<[string, string, string, string, string]> = []; // key, kind, name, schema and name of the table (or type)
  for (const key of keys) {
    const { kind, parts } = parseKey(key);
    if (RELATIONS.has(kind)) rows.push([key, 'rel', keyText(key), '', '']);
    else if (TYPES.has(kind)) rows.push([key, 'type', '', parts[0]!, parts[1]!]);
    else if (ROUTINES.has(kind)) rows.push([key, 'func', keyText(key), parts[0]!, parts[1]!]);
    else if (kind === 'schema') rows.push([key, 'schema', parts[0]!, '', '']);
    else if (ON_TABLE[kind]) rows.push([key, kind, parts[2]!, parts[0]!, parts[1]!]);
  }
  const found = new Map<string, StoredIdentity>();
  if (rows.length === 0) return found;
  const cases = Object.entries(ON_TABLE).map(([kind, sql]) => `WHEN '${kind}' THEN (${sql})`).join('\n        ');
  // Signatures are compared as keys write them: every name qualified. The
  // statement is prepared once per connection; its generic plan saves
  // planning it again for every commit.
  const begin = () => client.query("BEGIN READ ONLY; SELECT set_config('search_path', '', true), set_config('plan_cache_mode', 'force_generic_plan', true)");
  const read = () => client.query<IdentityRow>({
    name: 'pggit_identities',
    text: `SELECT k.key, current_database() AS database,
       (CASE k.kind
        WHEN 'rel' THEN to_regclass(k.name)::oid
        -- by name, not to_regtype: a type that is only a shell makes that fail
        WHEN 'type' THEN (SELECT t.oid FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = k.relschema AND t.typname = k.relname)
        -- by name and signature, not to_regprocedure: an argument type that is
        -- only a shell, or dropped since, makes that fail
        WHEN 'func' THEN (SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = k.relschema AND p.proname = k.relname AND p.oid::regprocedure::text = k.name)
        WHEN 'schema' THEN (SELECT oid FROM pg_namespace WHERE nspname = k.name)
        ${cases}
       END)::text AS oid,
       CASE WHEN k.kind = 'rel' AND k.key LIKE 'table:%' THEN
         (SELECT json_object_agg(quote_ident(a.attname), a.attnum) FROM pg_attribute a
           WHERE a.attrelid = to_regclass(k.name) AND a.attnum > 0 AND NOT a.attisdropped) END AS columns
     FROM (SELECT u.key, u.kind, u.name, u.relschema, u.relname, format('%I.%I', u.relschema, u.relname) AS rel
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(key, kind, name, relschema, relname)) k`,
    values: [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3]), rows.map((r) => r[4])],
  });
  const commit = () => client.query('COMMIT');
  let result: IdentityRow[];
  if (pipelined(client)) {
    // One round trip (CatalogPools' connections): after a failure the server turns the COMMIT into a ROLLBACK.
    const outcomes = await Promise.allSettled([begin(), read(), commit()]);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    result = (outcomes[1] as PromiseFulfilledResult<pg.QueryResult<IdentityRow>>).value.rows;
  } else {
    await begin();
    try {
      result = (await read()).rows;
    } finally {
      await commit();
    }
  }
  for (const row of result) if (row.oid !== null) found.set(row.key, { identity: `${row.database}:${row.oid}`, columns: row.columns });
  return found;
}

// A cheap fingerprint of a database's catalog, so reconciliation can skip
// the full read when nothing changed. Every schema change inserts, updates
// or deletes catalog rows, and a new row version has a new (ctid, xmin);
// counting rows and summing a hash of those per catalog changes whenever
// a definition can have. In-place updates (VACUUM, ANALYZE statistics)
// leave it alone; TRUNCATE or a temporary object's side rows may change it
// for nothing, which only costs one full read.
import type pg from 'pg';

/** Catalogs that hold what the snapshot records (those a server lacks are left out). */
const CATALOGS = [
  'pg_namespace', 'pg_class', 'pg_attribute', 'pg_attrdef', 'pg_constraint', 'pg_index', 'pg_inherits',
  'pg_partitioned_table', 'pg_type', 'pg_enum', 'pg_range', 'pg_proc', 'pg_aggregate', 'pg_trigger',
  'pg_event_trigger', 'pg_rewrite', 'pg_policy', 'pg_description', 'pg_sequence', 'pg_statistic_ext',
  'pg_extension', 'pg_collation', 'pg_default_acl', 'pg_operator', 'pg_opclass', 'pg_opfamily', 'pg_amop',
  'pg_amproc', 'pg_cast', 'pg_conversion', 'pg_ts_config', 'pg_ts_config_map', 'pg_ts_dict', 'pg_ts_parser',
  'pg_ts_template', 'pg_transform', 'pg_language', 'pg_am', 'pg_foreign_data_wrapper', 'pg_foreign_server',
  'pg_user_mapping', 'pg_foreign_table', 'pg_publication', 'pg_publication_rel', 'pg_publication_namespace',
  'pg_seclabel', 'pg_init_privs',
];

/** Temporary schemas and relations come and go with sessions: not part of the schema. */
const FILTERS: Readonly<Record<string, string>> = {
  pg_namespace: `WHERE nspname !~ '^pg_(temp|toast_temp)_'`,
  pg_class: `WHERE relpersistence <> 't'`,
  pg_attribute: `WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = attrelid AND c.relpersistence = 't')`,
  pg_type: `WHERE typnamespace NOT IN (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname ~ '^pg_(temp|toast_temp)_')`,
};

function part(catalog: string): string {
  return `(SELECT count(*) || ':' || coalesce(sum(hashtext(ctid::text || xmin::text)), 0) FROM pg_catalog.${catalog} ${FILTERS[catalog] ?? ''})`;
}

export class CatalogFingerprint {
  /** The fingerprint query, per server (catalogs differ between major versions). */
  private sql: Promise<string> | undefined;

  async read(client: pg.ClientBase): Promise<string> {
    this.sql ??= client
      .query<{ name: string }>(`SELECT c AS name FROM unnest($1::text[]) AS c WHERE to_regclass('pg_catalog.' || c) IS NOT NULL`, [CATALOGS])
      .then(({ rows }) => `SELECT ${rows.map((row) => part(row.name)).join(" || '|' || ")} AS fingerprint`)
      .catch((error: unknown) => {
        this.sql = undefined;
        throw error;
      });
    const { rows } = await client.query<{ fingerprint: string }>(await this.sql);
    return rows[0]!.fingerprint;
  }
}

// The catalogs whose objects a scoped read reads whole (WHOLE_KINDS in
// object-key.ts): there are few of them in any database, they hang off
// functions, types and tables in ways that the recorder cannot name from a
// statement, so reaching any row of these catalogs (pg_amop and pg_amproc
// rows belong to an operator class or family, pg_publication_rel and
// pg_publication_namespace rows to a publication) reads them all again.
const CATALOGS = [
  'pg_operator', 'pg_opclass', 'pg_opfamily', 'pg_amop', 'pg_amproc', 'pg_cast', 'pg_transform', 'pg_conversion', 'pg_ts_parser',
  'pg_ts_template', 'pg_ts_dict', 'pg_ts_config', 'pg_language', 'pg_am', 'pg_foreign_data_wrapper', 'pg_foreign_server',
  'pg_user_mapping', 'pg_publication', 'pg_publication_rel', 'pg_publication_namespace', 'pg_subscription',
];

/** SQL: the OIDs of those catalogs. */
export const WHOLE_CATALOGS = `ARRAY[${CATALOGS.map((name) => `'pg_catalog.${name}'::regclass`).join(', ')}]::oid[]`;

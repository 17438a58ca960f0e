// What --with-data copies: every ordinary table of the source (partitions as
// leaves, not those of extensions), the columns COPY can fill, whether binary
// COPY can carry them, and how big each is (largest first, so the last table
// to finish is a small one). Nothing here takes a lock on a table: a table
// another transaction holds is waited for only by the COPY that reads it.
import type pg from 'pg';

export interface TableToCopy {
  /** "schema"."table" */
  readonly qualified: string;
  /** Quoted column list. */
  readonly columns: string;
  /** Binary COPY carries every column: built-in types, or enums and base types of the
   * database's own (arrays, composites and ranges of those carry type oids that differ
   * between databases, so they go as text). */
  readonly binary: boolean;
  /** On-disk size as of the last VACUUM/ANALYZE (relpages: read without a lock), to estimate the total. */
  readonly bytes: number;
  /** relpages: the pages a split into ctid ranges divides (copy-pieces.ts). */
  readonly pages: number;
}

export async function tablesToCopy(client: pg.ClientBase): Promise<TableToCopy[]> {
  const { rows } = await client.query<{ qualified: string; columns: string | null; binary: boolean; bytes: string; pages: number }>(`
    SELECT format('%I.%I', n.nspname, c.relname) AS qualified,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
           coalesce((SELECT bool_and(t.typsend <> 0 AND t.typreceive <> 0 AND t.typtype <> 'd'
                                     AND (t.oid < 16384 OR t.typtype IN ('b', 'e'))
                                     AND (e.oid IS NULL OR (e.typsend <> 0 AND e.typreceive <> 0 AND e.oid < 16384)))
                       FROM pg_attribute a
                       JOIN pg_type ct ON ct.oid = a.atttypid
                       JOIN pg_type t ON t.oid = CASE WHEN ct.typtype = 'd' THEN ct.typbasetype ELSE ct.oid END
                       LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typelem <> 0
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''), false) AS binary,
           (c.relpages::bigint * current_setting('block_size')::bigint)::text AS bytes, greatest(c.relpages, 0) AS pages
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND c.relpersistence <> 't'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     ORDER BY c.relpages DESC, 1`);
  return rows
    .flatMap((row) => (row.columns === null ? [] : [{ qualified: row.qualified, columns: row.columns, binary: row.binary, bytes: Number(row.bytes), pages: row.pages }]));
}

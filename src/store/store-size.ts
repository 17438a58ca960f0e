// How much room the metadata store takes: every table of schema pggit with
// its indexes and TOAST (pg_total_relation_size), not the whole database,
// which may hold other things.
import type pg from 'pg';

export async function storeSizeBytes(db: pg.Pool | pg.ClientBase): Promise<number> {
  const { rows } = await db.query<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'pggit' AND c.relkind IN ('r', 'p', 'm')`,
  );
  return Number(rows[0]!.bytes);
}

// Creates and upgrades the metadata schema from the numbered files in sql/,
// under an advisory lock so several proxies starting at once apply each file
// exactly once.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { StoreError } from './store-error.js';

// src/store and dist/store both sit two levels below the package root.
const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));
const MIGRATION_LOCK = 7_046_113_711; // arbitrary, stable: "pggit migrate"

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export async function loadMigrations(dir = SQL_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d+_.*\.sql$/.test(file)).sort();
  return Promise.all(
    files.map(async (name) => ({ version: Number.parseInt(name, 10), name, sql: await readFile(`${dir}${name}`, 'utf8') })),
  );
}

/** Applies missing migrations; returns the schema version now in place. */
export async function migrate(client: pg.ClientBase, migrations?: readonly Migration[]): Promise<number> {
  const known = migrations ?? (await loadMigrations());
  const latest = known.at(-1)?.version ?? 0;
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS pggit;
      CREATE TABLE IF NOT EXISTS pggit.schema_version (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM pggit.schema_version');
    const current = rows[0]?.version ?? 0;
    if (current > latest) {
      throw new StoreError(
        'STORE_TOO_NEW',
        `the metadata store is at schema version ${current}, newer than this pggit understands (${latest}); upgrade pggit`,
      );
    }
    for (const migration of known.filter((m) => m.version > current)) {
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO pggit.schema_version (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new StoreError('MIGRATION_FAILED', `applying ${migration.name} failed: ${(error as Error).message}`);
      }
    }
    return Math.max(current, latest);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

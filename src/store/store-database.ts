// The store lives in its own database (default "pggit" on the upstream
// server). Create it on first start when our role may; otherwise say what
// to create.
import pg from 'pg';
import { databaseConfig, databaseOfUrl, urlConfig } from './connection-config.js';
import { StoreError } from './store-error.js';

export async function ensureStoreDatabase(storeUrl: string): Promise<void> {
  const probe = new pg.Client(urlConfig(storeUrl));
  try {
    await probe.connect();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const database = databaseOfUrl(storeUrl);
  const admin = new pg.Client(databaseConfig(storeUrl, 'postgres'));
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Another proxy created it meanwhile (42P04; 23505 when both CREATEs ran at once).
    if (code === '42P04' || code === '23505') return;
    throw new StoreError(
      'STORE_DATABASE_MISSING',
      `the metadata database "${database}" does not exist and could not be created (${(error as Error).message}); ` +
        `create it with: CREATE DATABASE ${pg.escapeIdentifier(database)}; or point --store at an existing database`,
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
}

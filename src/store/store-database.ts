// The store lives in its own database (default "pggit" on the upstream
// server). Create it on first start when our role may; otherwise say what
// to create.
import pg from 'pg';
import { StoreError } from './store-error.js';

export async function ensureStoreDatabase(storeUrl: string): Promise<void> {
  const probe = new pg.Client({ connectionString: storeUrl });
  try {
    await probe.connect();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const url = new URL(storeUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42P04') return; // another proxy created it meanwhile
    throw new StoreError(
      'STORE_DATABASE_MISSING',
      `the metadata database "${database}" does not exist and could not be created (${(error as Error).message}); ` +
        `create it with: CREATE DATABASE ${pg.escapeIdentifier(database)}; or point --store at an existing database`,
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
}

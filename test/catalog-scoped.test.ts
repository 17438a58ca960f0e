// Scoped reads as the recorder uses them: after each change, the previous
// tree updated with a scoped read of the names the statements mention
// (expandScope + readScope + applyScopedRead) equals a full read. Covers
// renames (keys change under dependents), DROP ... CASCADE (dependents vanish
// without being named), ownership moves, extension drops and unqualified
// names resolved through the statements' search_path. A pipelined
// connection (the recorder's, which sends a read's queries at once) reads
// exactly what a plain one reads.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyScopedRead, expandScope, readCatalog, readScope, SchemaTree, type SchemaObject, type ScopeName, type SnapshotScope,
} from '../src/history/catalog/index.js';
import { createScratchDatabase, type ScratchDatabase } from './harness/scratch-database.js';

let db: ScratchDatabase;
let client: pg.Client;
/** A connection in pipeline mode, as CatalogPools makes them. */
let pipelined: pg.Client;
let tree: SchemaObject[];
let indexed: SchemaTree;

beforeAll(async () => {
  db = await createScratchDatabase('cat_scoped');
  client = await db.connect();
  pipelined = new pg.Client({ connectionString: db.url, pipeline: true });
  await pipelined.connect();
  tree = await readCatalog(client);
  indexed = new SchemaTree(tree);
});

afterAll(async () => {
  await pipelined.end();
  await db.drop();
});

/**
 * Runs the statements, records them the way the recorder would (with plain
 * arrays and with a SchemaTree kept between steps), and checks both against
 * a full read.
 */
async function step(sql: string, names: ScopeName[], searchPath?: string[]): Promise<{ keys: string[] }> {
  await client.query(sql);
  const scope: SnapshotScope = searchPath ? { names, searchPath } : { names };
  const expanded = expandScope(scope, tree);
  expect(indexed.expand(scope)).toEqual(expanded);
  const read = await readScope(client, expanded);
  expect(await readScope(pipelined, expanded)).toEqual(read);
  tree = applyScopedRead(tree, read);
  indexed.apply(read);
  const live = await readCatalog(client);
  expect(await readCatalog(pipelined)).toEqual(live);
  expect(tree).toEqual(live);
  expect(indexed.values()).toEqual(live);
  return { keys: read.objects.map((object) => object.key) };
}

const rel = (schema: string, name: string): ScopeName => ({ schema, name, kind: 'relation' });

describe('scoped reads keep a recorded tree equal to the live catalog', () => {
  it('follows a schema being built', async () => {
    await step('CREATE SCHEMA app', [{ name: 'app', kind: 'schema' }]);
    const { keys } = await step(
      'CREATE TABLE app.users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz DEFAULT now())',
      [rel('app', 'users')],
    );
    expect(keys).toEqual([
      'constraint:app.users.users_email_key',
      'constraint:app.users.users_pkey',
      'sequence:app.users_id_seq',
      'table:app.users',
    ]);
    await step('CREATE INDEX users_created_idx ON app.users (created_at)', [rel('app', 'users_created_idx'), rel('app', 'users')]);
    await step('CREATE VIEW app.recent_users AS SELECT id, email FROM app.users WHERE created_at > now() - interval \'7 days\'', [
      rel('app', 'recent_users'),
    ]);
    await step('CREATE TABLE app.orders (id bigserial PRIMARY KEY, user_id integer NOT NULL REFERENCES app.users (id))', [
      rel('app', 'orders'),
      rel('app', 'users'),
    ]);
    await step("COMMENT ON COLUMN app.users.email IS 'login'", [rel('app', 'users')]);
    await step('ALTER TABLE app.users ENABLE ROW LEVEL SECURITY; CREATE POLICY own_rows ON app.users USING (true)', [
      rel('app', 'users'),
    ]);
  });

  it('follows a rename through the view, the foreign key and a function that use the table', async () => {
    await step('CREATE FUNCTION app.user_label(u app.users) RETURNS text LANGUAGE sql AS $$ SELECT u.email $$', [
      { schema: 'app', name: 'user_label', kind: 'function' },
    ]);
    const before = tree.map((object) => object.key);
    expect(before).toContain('function:app.user_label(app.users)');
    const { keys } = await step('ALTER TABLE app.users RENAME TO customers', [rel('app', 'users'), rel('app', 'customers')]);
    expect(keys).toContain('function:app.user_label(app.customers)');
    expect(keys).toContain('constraint:app.orders.orders_user_id_fkey');
    expect(tree.map((object) => object.key)).not.toContain('function:app.user_label(app.users)');
    expect(tree.find((object) => object.key === 'view:app.recent_users')?.definition).toContain('FROM app.customers');
    await step('ALTER TABLE app.customers RENAME COLUMN email TO mail', [rel('app', 'customers')]);
    await step('ALTER INDEX app.users_created_idx RENAME TO customers_created_idx', [
      rel('app', 'users_created_idx'),
      rel('app', 'customers_created_idx'),
    ]);
  });

  it('removes what DROP ... CASCADE takes with it although no statement names it', async () => {
    const { keys } = await step('DROP TABLE app.customers CASCADE', [rel('app', 'customers')]);
    expect(keys).toEqual([]);
    expect(tree.map((object) => object.key)).toContain('table:app.orders');
    const left = tree.map((object) => object.key);
    expect(left).not.toContain('view:app.recent_users');
    expect(left).not.toContain('constraint:app.orders.orders_user_id_fkey');
    expect(left).not.toContain('function:app.user_label(app.customers)');
  });

  it('follows enum values, sequence ownership moving between tables, and grants', async () => {
    await step("CREATE TYPE app.mood AS ENUM ('sad', 'ok')", [{ schema: 'app', name: 'mood', kind: 'type' }]);
    await step("CREATE TABLE app.diary (id serial, mood app.mood DEFAULT 'ok')", [rel('app', 'diary')]);
    await step("ALTER TYPE app.mood ADD VALUE 'happy'", [{ schema: 'app', name: 'mood', kind: 'type' }]);
    await step('CREATE TABLE app.notes (n integer)', [rel('app', 'notes')]);
    await step('ALTER SEQUENCE app.diary_id_seq OWNED BY app.notes.n', [rel('app', 'diary_id_seq'), rel('app', 'notes')]);
    expect(tree.find((object) => object.key === 'table:app.diary')?.definition).not.toContain('OWNED BY');
    await step('DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = \'cat_scoped_reader\') THEN CREATE ROLE cat_scoped_reader; END IF; END $$', []);
    await step('GRANT SELECT ON app.notes TO cat_scoped_reader', [rel('app', 'notes')]);
    await step('ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO cat_scoped_reader', [{ name: '', kind: 'default_acl' }]);
    await step('ALTER DEFAULT PRIVILEGES IN SCHEMA app REVOKE SELECT ON TABLES FROM cat_scoped_reader', [{ name: '', kind: 'default_acl' }]);
  });

  it('reads a table whose column default calls a function the statements name, with all its dependencies', async () => {
    await step(
      "CREATE FUNCTION app.next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$; " +
        'CREATE TABLE app.codes (id serial, code text DEFAULT app.next_code())',
      [{ schema: 'app', name: 'next_code', kind: 'function' }, rel('app', 'codes')],
    );
    const names: ScopeName[] = [{ schema: 'app', name: 'next_code', kind: 'function' }];
    const { keys } = await step("CREATE OR REPLACE FUNCTION app.next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'y' $$", names);
    expect(keys).toContain('table:app.codes');
    // Read without the previous tree's help, the table still has every dependency.
    const read = await readScope(client, { names });
    expect(read.objects.map((object) => object.key)).toEqual(['function:app.next_code()', 'table:app.codes']);
    expect(read.objects[1]).toEqual(tree.find((object) => object.key === 'table:app.codes'));
  });

  it('resolves unqualified names through the search path of the statements', async () => {
    await step('CREATE SCHEMA side', [{ name: 'side', kind: 'schema' }]);
    await step('SET search_path = side, public; CREATE TABLE widgets (id integer PRIMARY KEY); RESET search_path', [{ name: 'widgets' }], [
      'side',
      'public',
    ]);
    expect(tree.map((object) => object.key)).toContain('table:side.widgets');
    await step('DROP TABLE side.widgets', [{ name: 'widgets' }], ['side', 'public']);
    expect(tree.map((object) => object.key)).not.toContain('table:side.widgets');
  });

  it('follows an extension and the columns that use its types', async (context) => {
    const { rows } = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'citext'");
    if (rows.length === 0) context.skip('server lacks citext');
    await step('CREATE EXTENSION citext SCHEMA app', [{ name: 'citext', kind: 'extension' }]);
    await step('ALTER TABLE app.notes ADD COLUMN tag app.citext', [rel('app', 'notes')]);
    expect(tree.find((object) => object.key === 'table:app.notes')?.dependsOn).toContain('extension:citext');
    await step('DROP EXTENSION citext CASCADE', [{ name: 'citext', kind: 'extension' }]);
    expect(tree.find((object) => object.key === 'table:app.notes')?.definition).not.toContain('citext');
  });

  it('follows a schema rename into the objects of other schemas that refer to it', async () => {
    await step(
      'CREATE SCHEMA old_name; CREATE TABLE old_name.t (id integer PRIMARY KEY); ' +
        'CREATE VIEW public.v_over AS SELECT id FROM old_name.t; CREATE TABLE public.r (t_id integer REFERENCES old_name.t)',
      [{ name: 'old_name', kind: 'schema' }, rel('public', 'v_over'), rel('public', 'r')],
    );
    await step('ALTER SCHEMA old_name RENAME TO new_name', [
      { name: 'old_name', kind: 'schema' },
      { name: 'new_name', kind: 'schema' },
    ]);
    expect(tree.find((object) => object.key === 'view:public.v_over')?.definition).toContain('FROM new_name.t');
    expect(tree.map((object) => object.key)).not.toContain('table:old_name.t');
  });

  it('drops a whole schema by its name', async () => {
    await step('DROP SCHEMA app CASCADE', [{ name: 'app', kind: 'schema' }]);
    expect(tree.filter((object) => object.schema === 'app' || object.key === 'schema:app')).toEqual([]);
  });
});

describe('reading inside the caller\'s transaction', () => {
  it('sees the transaction\'s own uncommitted DDL and leaves its settings and state alone', async () => {
    await client.query('BEGIN');
    try {
      await client.query("SET LOCAL search_path = side; SET LOCAL DateStyle = 'SQL, DMY'");
      await client.query('CREATE TABLE side.pending (id integer, at date DEFAULT \'2024-03-01\')');
      const read = await readScope(client, { names: [{ name: 'pending' }] });
      expect(read.objects.map((object) => object.key)).toEqual(['table:side.pending']);
      expect(read.objects[0]!.definition).toContain("DEFAULT '2024-03-01'::date");
      expect(client.getTransactionStatus()).toBe('T');
      const { rows } = await client.query<{ search_path: string; datestyle: string }>(
        'SELECT current_setting(\'search_path\') AS search_path, current_setting(\'DateStyle\') AS datestyle',
      );
      expect(rows[0]).toEqual({ search_path: 'side', datestyle: 'SQL, DMY' });
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('refuses a failed transaction instead of hiding its error', async () => {
    await client.query('BEGIN');
    try {
      await expect(client.query('SELECT 1/0')).rejects.toThrow();
      await expect(readCatalog(client)).rejects.toMatchObject({ code: 'TRANSACTION_ABORTED' });
    } finally {
      await client.query('ROLLBACK');
    }
  });
});

describe('a pipelined read hands its result over early', () => {
  it('as soon as it is in, before the read settles (its COMMIT went in the same round trip), the same result it returns', async () => {
    await client.query('CREATE TABLE early_t (a int PRIMARY KEY)');
    let early: { settled: boolean; read: unknown } | undefined;
    let settled = false;
    const reading = readScope(pipelined, { names: [rel('public', 'early_t')] }, (found) => {
      early = { settled, read: found };
    });
    const read = await reading.finally(() => (settled = true));
    expect(early?.settled).toBe(false);
    expect(early?.read).toEqual(read);
    expect(read.objects.map((object) => object.key)).toContain('table:public.early_t');
    expect(pipelined.getTransactionStatus()).toBe('I');
  });
});

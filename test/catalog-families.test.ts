// What each family of the catalog snapshot records, read from a real
// database: keys, canonical definitions and dependencies, and what a scoped
// read returns for a name (the object and what depends on it, nothing else).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerOf, readCatalog, readScope, withoutOwner, type SchemaObject } from '../src/history/catalog/index.js';
import { createScratchDatabase, type ScratchDatabase } from './harness/scratch-database.js';

let db: ScratchDatabase;
let client: pg.Client;
let objects: Map<string, SchemaObject>;
let serverVersion: number;

const SCHEMA = `
DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cat_family_reader') THEN CREATE ROLE cat_family_reader; END IF; END $$;
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'the shop';
GRANT USAGE ON SCHEMA shop TO cat_family_reader;
CREATE TYPE shop.status AS ENUM ('new', 'paid');
CREATE TYPE shop.money AS (currency char(3), cents bigint);
CREATE TYPE shop.period AS RANGE (subtype = date);
CREATE DOMAIN shop.sku AS text CONSTRAINT sku_format CHECK (VALUE ~ '^[A-Z]+$');
CREATE SEQUENCE shop.invoice_no START 1000 INCREMENT 5;
CREATE TABLE shop.customers (
    id integer GENERATED ALWAYS AS IDENTITY,
    email text NOT NULL,
    CONSTRAINT customers_pkey PRIMARY KEY (id)
);
CREATE TABLE shop.orders (
    id bigserial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
    status shop.status NOT NULL DEFAULT 'new',
    sku shop.sku,
    total shop.money,
    invoice bigint DEFAULT nextval('shop.invoice_no'),
    placed_on date NOT NULL DEFAULT current_date,
    CONSTRAINT orders_total_check CHECK ((total).cents >= 0)
);
COMMENT ON COLUMN shop.orders.status IS 'where it is';
GRANT SELECT ON shop.orders TO cat_family_reader;
GRANT UPDATE (status) ON shop.orders TO cat_family_reader;
ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_orders ON shop.orders FOR SELECT TO cat_family_reader USING (customer_id > 0);
CREATE INDEX orders_placed_idx ON shop.orders (placed_on DESC) WHERE status = 'new';
CREATE VIEW shop.open_orders AS SELECT id, customer_id FROM shop.orders WHERE status = 'new';
CREATE MATERIALIZED VIEW shop.order_counts AS SELECT customer_id, count(*) AS n FROM shop.open_orders GROUP BY customer_id;
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();
CREATE FUNCTION shop.order_total(o shop.orders) RETURNS bigint LANGUAGE sql AS 'SELECT (o.total).cents';
REVOKE EXECUTE ON FUNCTION shop.order_total(shop.orders) FROM PUBLIC;
CREATE PROCEDURE shop.noop() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE shop.total_cents(bigint) (SFUNC = int8pl, STYPE = bigint, INITCOND = '0');
CREATE RULE orders_no_delete AS ON DELETE TO shop.orders WHERE OLD.status = 'paid' DO INSTEAD NOTHING;
CREATE STATISTICS shop.orders_stats (dependencies) ON customer_id, status FROM shop.orders;
CREATE TABLE shop.unrelated (id integer);
`;

beforeAll(async () => {
  db = await createScratchDatabase('cat_family');
  await db.runSql(SCHEMA);
  client = await db.connect();
  serverVersion = Number((await client.query('SHOW server_version_num')).rows[0].server_version_num);
  objects = new Map((await readCatalog(client)).map((object) => [object.key, object]));
});

afterAll(async () => {
  await db.drop();
});

/** The object, without its OWNER TO line (checked on its own below). */
function get(key: string): SchemaObject {
  const object = objects.get(key);
  if (!object) throw new Error(`no ${key} among ${[...objects.keys()].join(', ')}`);
  return { ...object, definition: withoutOwner(object.definition) };
}

describe('catalog families', () => {
  it('keys every user object and nothing of the system or of extensions', () => {
    expect([...objects.keys()]).toEqual([
      'aggregate:shop.total_cents(bigint)',
      'constraint:shop.customers.customers_pkey',
      'constraint:shop.orders.orders_customer_id_fkey',
      'constraint:shop.orders.orders_pkey',
      'constraint:shop.orders.orders_total_check',
      'domain:shop.sku',
      'extension:plpgsql',
      'function:shop.order_total(shop.orders)',
      'function:shop.touch()',
      'index:shop.orders_placed_idx',
      'materialized_view:shop.order_counts',
      'policy:shop.orders.own_orders',
      'procedure:shop.noop()',
      'rule:shop.orders.orders_no_delete',
      'schema:public',
      'schema:shop',
      'sequence:shop.invoice_no',
      'sequence:shop.orders_id_seq',
      'statistics:shop.orders_stats',
      'table:shop.customers',
      'table:shop.orders',
      'table:shop.unrelated',
      'trigger:shop.orders.orders_touch',
      'type:shop.money',
      'type:shop.period',
      'type:shop.status',
      'view:shop.open_orders',
    ]);
    expect(get('table:shop.orders')).toMatchObject({ kind: 'table', schema: 'shop', name: 'orders' });
    expect(get('function:shop.order_total(shop.orders)')).toMatchObject({ kind: 'function', schema: 'shop', name: 'order_total' });
    expect(get('schema:shop')).toMatchObject({ kind: 'schema', schema: null, name: 'shop' });
  });

  it('records the owner of every kind that has one as the last line, and none for the others', () => {
    const owner = ownerOf(objects.get('table:shop.orders')!.definition);
    expect(owner).toMatch(/\S/);
    expect(objects.get('table:shop.orders')!.definition.endsWith(`\nALTER TABLE shop.orders OWNER TO ${owner};`)).toBe(true);
    expect(objects.get('function:shop.order_total(shop.orders)')!.definition).toMatch(/\nALTER FUNCTION shop\.order_total\(shop\.orders\) OWNER TO \S+;$/);
    expect(objects.get('procedure:shop.noop()')!.definition).toMatch(/\nALTER PROCEDURE shop\.noop\(\) OWNER TO \S+;$/);
    expect(objects.get('aggregate:shop.total_cents(bigint)')!.definition).toMatch(/\nALTER AGGREGATE shop\.total_cents\(bigint\) OWNER TO \S+;$/);
    for (const key of ['type:shop.status', 'domain:shop.sku', 'view:shop.open_orders', 'materialized_view:shop.order_counts', 'schema:shop', 'sequence:shop.invoice_no', 'statistics:shop.orders_stats']) {
      expect(ownerOf(objects.get(key)!.definition), key).toBe(owner);
    }
    // public belongs to pg_database_owner; a column's sequence follows its table; these kinds have no owner
    for (const key of ['schema:public', 'sequence:shop.orders_id_seq', 'index:shop.orders_placed_idx', 'constraint:shop.orders.orders_pkey', 'trigger:shop.orders.orders_touch', 'policy:shop.orders.own_orders', 'extension:plpgsql']) {
      expect(ownerOf(objects.get(key)!.definition), key).toBeNull();
    }
  });

  it('writes a table with its columns, owned sequences, RLS flag, comments and grants', () => {
    expect(get('table:shop.orders').definition).toBe(
      [
        'CREATE TABLE shop.orders (',
        "    id bigint DEFAULT nextval('shop.orders_id_seq'::regclass) NOT NULL,",
        '    customer_id integer NOT NULL,',
        "    status shop.status DEFAULT 'new'::shop.status NOT NULL,",
        '    sku shop.sku,',
        '    total shop.money,',
        "    invoice bigint DEFAULT nextval('shop.invoice_no'::regclass),",
        '    placed_on date DEFAULT CURRENT_DATE NOT NULL',
        ');',
        'ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;',
        'ALTER SEQUENCE shop.orders_id_seq OWNED BY shop.orders.id;',
        "COMMENT ON COLUMN shop.orders.status IS 'where it is';",
        'GRANT SELECT ON TABLE shop.orders TO cat_family_reader;',
        'GRANT UPDATE (status) ON TABLE shop.orders TO cat_family_reader;',
      ].join('\n'),
    );
    expect(get('table:shop.orders').dependsOn).toEqual([
      'domain:shop.sku',
      'schema:shop',
      'sequence:shop.invoice_no',
      'sequence:shop.orders_id_seq',
      'type:shop.money',
      'type:shop.status',
    ]);
    expect(get('table:shop.customers').definition).toContain(
      'id integer NOT NULL GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME shop.customers_id_seq)',
    );
  });

  it('writes constraints on their own, foreign keys depending on the key they reference', () => {
    expect(get('constraint:shop.orders.orders_customer_id_fkey')).toMatchObject({
      definition:
        'ALTER TABLE shop.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON DELETE CASCADE;',
      dependsOn: ['constraint:shop.customers.customers_pkey', 'table:shop.customers', 'table:shop.orders'],
    });
    expect(get('constraint:shop.orders.orders_pkey').definition).toBe('ALTER TABLE ONLY shop.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);');
    expect(get('constraint:shop.orders.orders_total_check').definition).toBe(
      'ALTER TABLE shop.orders ADD CONSTRAINT orders_total_check CHECK (((total).cents >= 0));',
    );
  });

  it('writes types, domains and sequences with only their non-default options', () => {
    expect(get('type:shop.status').definition).toBe("CREATE TYPE shop.status AS ENUM (\n    'new',\n    'paid'\n);");
    expect(get('type:shop.money').definition).toBe('CREATE TYPE shop.money AS (\n    currency character(3),\n    cents bigint\n);');
    expect(get('type:shop.period').definition).toBe(
      'CREATE TYPE shop.period AS RANGE (\n    subtype = date,\n    multirange_type_name = shop.period_multirange\n);',
    );
    expect(get('domain:shop.sku').definition).toBe(
      "CREATE DOMAIN shop.sku AS text;\nALTER DOMAIN shop.sku ADD CONSTRAINT sku_format CHECK ((VALUE ~ '^[A-Z]+$'::text));",
    );
    expect(get('sequence:shop.invoice_no').definition).toBe('CREATE SEQUENCE shop.invoice_no\n    INCREMENT BY 5\n    START WITH 1000;');
    expect(get('sequence:shop.orders_id_seq').definition).toBe('CREATE SEQUENCE shop.orders_id_seq;');
  });

  it('writes indexes, views, materialized views, triggers, rules, policies and statistics', () => {
    expect(get('index:shop.orders_placed_idx')).toMatchObject({
      definition: "CREATE INDEX orders_placed_idx ON shop.orders USING btree (placed_on DESC) WHERE (status = 'new'::shop.status);",
      dependsOn: ['table:shop.orders', 'type:shop.status'],
    });
    // PostgreSQL 16 stopped qualifying the columns of a one-table query in view definitions.
    const column = serverVersion >= 160000 ? '' : 'orders.';
    expect(get('view:shop.open_orders').definition).toBe(
      `CREATE VIEW shop.open_orders AS\n SELECT ${column}id,\n    ${column}customer_id\n   FROM shop.orders\n  WHERE (${column}status = 'new'::shop.status);`,
    );
    expect(get('materialized_view:shop.order_counts')).toMatchObject({
      definition: expect.stringMatching(/^CREATE MATERIALIZED VIEW shop\.order_counts AS\n[\s\S]*\n {2}WITH NO DATA;$/),
      dependsOn: ['schema:shop', 'view:shop.open_orders'],
    });
    expect(get('trigger:shop.orders.orders_touch')).toMatchObject({
      definition: 'CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();',
      dependsOn: ['function:shop.touch()', 'table:shop.orders'],
    });
    expect(get('rule:shop.orders.orders_no_delete').definition).toContain('CREATE RULE orders_no_delete AS');
    expect(get('policy:shop.orders.own_orders').definition).toBe(
      'CREATE POLICY own_orders ON shop.orders FOR SELECT TO cat_family_reader\n  USING ((customer_id > 0));',
    );
    expect(get('statistics:shop.orders_stats').definition).toBe(
      'CREATE STATISTICS shop.orders_stats (dependencies) ON customer_id, status FROM shop.orders;',
    );
  });

  it('writes routines with their privileges relative to the defaults', () => {
    expect(get('function:shop.order_total(shop.orders)')).toMatchObject({
      definition: expect.stringMatching(/^CREATE OR REPLACE FUNCTION shop\.order_total\(o shop\.orders\)[\s\S]*;\nREVOKE EXECUTE ON FUNCTION shop\.order_total\(shop\.orders\) FROM PUBLIC;$/),
      dependsOn: ['schema:shop', 'table:shop.orders'],
    });
    expect(get('aggregate:shop.total_cents(bigint)').definition).toBe(
      "CREATE AGGREGATE shop.total_cents(bigint) (\n    SFUNC = int8pl,\n    STYPE = bigint,\n    INITCOND = '0'\n);",
    );
    expect(get('procedure:shop.noop()').definition).toMatch(/^CREATE OR REPLACE PROCEDURE shop\.noop\(\)/);
    expect(get('schema:shop').definition).toBe(
      "CREATE SCHEMA shop;\nCOMMENT ON SCHEMA shop IS 'the shop';\nGRANT USAGE ON SCHEMA shop TO cat_family_reader;",
    );
    expect(get('schema:public').definition).toBe('CREATE SCHEMA IF NOT EXISTS public;');
  });
});

describe('scoped reads', () => {
  it('return a table and what depends on it, and nothing unrelated', async () => {
    const read = await readScope(client, { names: [{ schema: 'shop', name: 'customers' }] });
    expect(read.objects.map((object) => object.key)).toEqual([
      'constraint:shop.customers.customers_pkey',
      'constraint:shop.orders.orders_customer_id_fkey',
      'table:shop.customers',
    ]);
    for (const object of read.objects) expect(object).toEqual(objects.get(object.key));
  });

  it('return what hangs off a table and what mentions it, but not a view over that view', async () => {
    const read = await readScope(client, { names: [{ schema: 'shop', name: 'orders' }] });
    const keys = read.objects.map((object) => object.key);
    expect(keys).toEqual([
      'constraint:shop.orders.orders_customer_id_fkey',
      'constraint:shop.orders.orders_pkey',
      'constraint:shop.orders.orders_total_check',
      'function:shop.order_total(shop.orders)',
      'index:shop.orders_placed_idx',
      'policy:shop.orders.own_orders',
      'rule:shop.orders.orders_no_delete',
      'sequence:shop.orders_id_seq',
      'statistics:shop.orders_stats',
      'table:shop.orders',
      'trigger:shop.orders.orders_touch',
      'view:shop.open_orders',
    ]);
    expect(keys).not.toContain('table:shop.unrelated');
    expect(keys).not.toContain('materialized_view:shop.order_counts');
  });

  it('resolve an unqualified name through the search path and report where they looked', async () => {
    const read = await readScope(client, { names: [{ name: 'status' }], searchPath: ['shop', 'public'] });
    const keys = read.objects.map((object) => object.key);
    expect(keys).toContain('type:shop.status');
    expect(keys).toContain('table:shop.orders');
    expect(keys).toContain('view:shop.open_orders');
    expect(keys).not.toContain('function:shop.order_total(shop.orders)');
    expect(read.roots).toEqual([
      { schema: null, name: 'status', kind: undefined },
      { schema: 'shop', name: 'status', kind: undefined },
      { schema: 'public', name: 'status', kind: undefined },
      // where pg_catalog's tables are looked up when the path does not name it
      { schema: 'pg_catalog', name: 'status', kind: undefined },
    ]);
  });

  it('return nothing for a name that does not exist', async () => {
    const read = await readScope(client, { names: [{ schema: 'shop', name: 'gone' }] });
    expect(read.objects).toEqual([]);
    expect(read.roots).toEqual([{ schema: 'shop', name: 'gone', kind: undefined }]);
  });
});

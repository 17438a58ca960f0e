// After the rows: indexes, constraints, triggers, rules, policies and
// materialized views of the new branch database, built on `jobs`
// connections at once like pg_restore -j: an object starts once what it
// depends on is built. Event triggers come last, alone, so they do not fire
// for the others. A materialized view that holds rows in the source is
// refreshed from the copied rows.
import pg from 'pg';
import { PREAMBLE } from '../history/index.js';
import type { PhasedObject } from './schema-phases.js';

export interface PostDataInput {
  readonly config: pg.ClientConfig;
  readonly objects: readonly PhasedObject[];
  readonly jobs: number;
  /** Materialized views (format('%I.%I')) that hold rows in the source. */
  readonly populated: ReadonlySet<string>;
}

const MATVIEW_PREFIX = 'materialized_view:';
/** Two foreign keys between the same pair of tables, built at once, can deadlock; the loser retries. */
const DEADLOCK = '40P01';

export async function runPostData(input: PostDataInput): Promise<void> {
  const last = input.objects.filter((object) => object.kind === 'event_trigger');
  const parallel = input.objects.filter((object) => object.kind !== 'event_trigger');
  const keys = new Set(parallel.map((object) => object.key));
  const built = new Map<string, Promise<void>>();
  const waiting = [...parallel];
  const clients = await connectAll(input.config, Math.max(1, Math.min(input.jobs, parallel.length)));
  try {
    // Each worker takes the next object in replay order, so a dependency was taken before its dependents.
    await Promise.all(
      clients.map(async (client) => {
        for (let object = waiting.shift(); object; object = waiting.shift()) {
          const ready = Promise.all(object.dependsOn.filter((key) => keys.has(key)).map((key) => built.get(key)));
          const done = ready.then(() => build(client, object, input.populated));
          built.set(object.key, done);
          await done;
        }
      }),
    );
    for (const object of last) await clients[0]!.query(object.definition);
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

async function build(client: pg.Client, object: PhasedObject, populated: ReadonlySet<string>): Promise<void> {
  try {
    await client.query(object.definition);
  } catch (error) {
    if ((error as { code?: string }).code !== DEADLOCK) throw error;
    await client.query(object.definition);
  }
  const name = object.key.startsWith(MATVIEW_PREFIX) ? object.key.slice(MATVIEW_PREFIX.length) : undefined;
  if (object.kind === 'materialized_view' && name && populated.has(name)) await client.query(`REFRESH MATERIALIZED VIEW ${name}`);
}

async function connectAll(config: pg.ClientConfig, count: number): Promise<pg.Client[]> {
  const clients = Array.from({ length: count }, () => new pg.Client({ ...config, application_name: 'pggit branch' }));
  for (const client of clients) client.on('error', () => undefined);
  await Promise.all(clients.map(async (client) => {
    await client.connect();
    await client.query(PREAMBLE);
  }));
  return clients;
}

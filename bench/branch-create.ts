// Branch creation (issue 7): a schema-only branch of a 500-table schema,
// next to CREATE DATABASE ... TEMPLATE and pg_dump --schema-only | psql of
// the same source, measured in the same run. Branches with data: branch-data.ts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createBranch } from '../src/branch/index.js';
import { recordBaseline, urlOf } from './branch-data.js';

export interface BranchTiming {
  readonly case: string;
  readonly pggitSeconds: number;
  readonly templateSeconds: number;
  readonly dumpRestoreSeconds: number | null;
}

export async function benchBranchCreate(serverUrl: string, binDir: string): Promise<BranchTiming[]> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const schema = await measure(admin, serverUrl, binDir, 'bschema', async (client) => {
      await client.query(`DO $$ BEGIN FOR i IN 1..500 LOOP
        EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, name text NOT NULL, parent int REFERENCES t%s (id), created timestamptz DEFAULT now())', i, greatest(i - 1, 1));
        EXECUTE format('CREATE INDEX t%s_name ON t%s (name)', i, i);
      END LOOP; END $$`);
    });
    return [{ ...schema, case: '500-table schema, schema only' }];
  } finally {
    await admin.end();
  }
}

async function measure(
  admin: pg.Client,
  serverUrl: string,
  binDir: string,
  source: string,
  fill: (client: pg.Client) => Promise<void>,
): Promise<Omit<BranchTiming, 'case'>> {
  for (const db of [source, `${source}@b`, `${source}_tpl`, `${source}_dump`, `${source}_store`]) {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db)} WITH (FORCE)`);
  }
  await admin.query(`CREATE DATABASE ${source}`);
  const client = new pg.Client({ connectionString: urlOf(serverUrl, source) });
  await client.connect();
  await fill(client);
  await client.end();

  const store = await recordBaseline(serverUrl, source);

  let started = performance.now();
  await createBranch({ store, upstreamUrl: serverUrl }, { repository: source, name: 'b' });
  const pggitSeconds = (performance.now() - started) / 1000;
  await store.pool.end();

  started = performance.now();
  await admin.query(`CREATE DATABASE ${source}_tpl TEMPLATE ${source}`);
  const templateSeconds = (performance.now() - started) / 1000;

  let dumpRestoreSeconds: number | null = null;
  const pgDump = join(binDir, 'pg_dump');
  const psql = join(binDir, 'psql');
  if (existsSync(pgDump) && existsSync(psql)) {
    await admin.query(`CREATE DATABASE ${source}_dump`);
    started = performance.now();
    const dumpArgs = ['--schema-only', urlOf(serverUrl, source)];
    await pipe([pgDump, dumpArgs], [psql, ['-q', '-X', '-v', 'ON_ERROR_STOP=1', urlOf(serverUrl, `${source}_dump`)]]);
    dumpRestoreSeconds = (performance.now() - started) / 1000;
  }
  return { pggitSeconds, templateSeconds, dumpRestoreSeconds };
}

/** `a | b`, failing if either side fails. */
function pipe([a, aArgs]: [string, string[]], [b, bArgs]: [string, string[]]): Promise<void> {
  return new Promise((resolve, reject) => {
    const producer = spawn(a, aArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    const consumer = spawn(b, bArgs, { stdio: ['pipe', 'ignore', 'inherit'] });
    producer.stdout.pipe(consumer.stdin);
    let pending = 2;
    const done = (name: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${name} exited with ${code}`));
      else if (--pending === 0) resolve();
    };
    producer.once('exit', done(a));
    consumer.once('exit', done(b));
  });
}

export function formatBranchTimings(timings: readonly BranchTiming[]): string {
  const lines = timings.map((t) => {
    const dump = t.dumpRestoreSeconds === null ? 'pg_dump | psql: not installed' : `pg_dump | psql ${t.dumpRestoreSeconds.toFixed(2)} s`;
    return `  ${t.case}: pggit branch create ${t.pggitSeconds.toFixed(2)} s; CREATE DATABASE TEMPLATE ${t.templateSeconds.toFixed(2)} s; ${dump}`;
  });
  return ['branch creation:', ...lines].join('\n');
}

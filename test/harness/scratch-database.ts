// Throwaway databases on the test server for catalog tests: create one with
// a unique name, run SQL in it with psql (ON_ERROR_STOP), dump its schema
// with the server's own pg_dump, drop it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { inject } from 'vitest';
import { psql } from './psql.js';

const run = promisify(execFile);

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  /** A connected client; closed by drop(). */
  connect(): Promise<pg.Client>;
  /** Runs SQL text through psql -v ON_ERROR_STOP=1; throws with psql's output on failure. */
  runSql(sql: string): Promise<void>;
  /** Runs a SQL file through psql -v ON_ERROR_STOP=1. */
  runFile(path: string): Promise<void>;
  drop(): Promise<void>;
}

function urlFor(database: string): string {
  const url = new URL(inject('pgUrl'));
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('pgUrl') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const clients: pg.Client[] = [];
  const runFile = async (path: string): Promise<void> => {
    const result = await psql(url, ['-v', 'ON_ERROR_STOP=1', '-q', '-f', path]);
    if (result.code !== 0) throw new Error(`psql failed on ${path} (exit ${result.code}):\n${result.stderr}${result.stdout}`);
  };
  return {
    name,
    url,
    async connect() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      clients.push(client);
      return client;
    },
    runFile,
    async runSql(sql: string) {
      const dir = await mkdtemp(join(tmpdir(), 'pggit-sql-'));
      try {
        const file = join(dir, 'script.sql');
        await writeFile(file, sql);
        await runFile(file);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async drop() {
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      const admin = new pg.Client({ connectionString: inject('pgUrl') });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

function pgDumpPath(): string {
  const binDir = inject('pgBinDir');
  const candidate = binDir ? join(binDir, 'pg_dump') : '';
  return candidate && existsSync(candidate) ? candidate : 'pg_dump';
}

/**
 * Why pg_dump cannot dump the server of client (it refuses servers of a
 * newer major version than its own), or undefined when it can.
 */
export async function dumpRefusalReason(client: pg.ClientBase): Promise<string | undefined> {
  const { stdout } = await run(pgDumpPath(), ['--version']);
  const dumpMajor = Number(/(\d+)(?:\.\d+)?/.exec(stdout)?.[1]);
  const server = Number((await client.query('SHOW server_version_num')).rows[0].server_version_num);
  const serverMajor = Math.floor(server / 10000);
  return dumpMajor >= serverMajor ? undefined : `no pg_dump ${serverMajor} here (${stdout.trim()} refuses a newer server)`;
}

/** pg_dump --schema-only (privileges kept) of a database; --no-owner unless owners is set. */
export async function dumpSchema(url: string, options: { owners?: boolean } = {}): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PG')));
  const { stdout } = await run(pgDumpPath(), ['--schema-only', ...(options.owners ? [] : ['--no-owner']), '--dbname', url], {
    env,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30_000,
  });
  return stdout;
}

/**
 * A dump without what only varies between runs or orderings: comments,
 * blank lines, SET lines, \restrict keys; cut into one block per TOC entry
 * and sorted, so two dumps that create the same objects compare equal
 * whatever order pg_dump chose for ties.
 */
export function dumpBlocks(dump: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.length > 0) blocks.push(current.join('\n'));
    current = [];
  };
  for (const line of dump.split('\n')) {
    if (line.startsWith('-- Name: ') || line.startsWith('-- Data for Name: ')) {
      flush();
      continue;
    }
    if (line.startsWith('--') || line.trim() === '') continue;
    if (/^\\(un)?restrict /.test(line)) continue;
    if (/^SET [a-z_]+ = /.test(line) || line.startsWith("SELECT pg_catalog.set_config('search_path'")) continue;
    current.push(line);
  }
  flush();
  return blocks.sort();
}


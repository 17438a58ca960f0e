// Object identities (oid, column attnums) read by key after a commit, so a
// rename stays a rename in diff and revert: every kind that has one, and a
// type that is only a shell (CREATE TYPE x;), which to_regtype refuses.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIdentities } from '../src/history/index.js';
import { createScratchDatabase, type ScratchDatabase } from './harness/scratch-database.js';

let db: ScratchDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createScratchDatabase('identities');
  await db.runSql(`
    CREATE TYPE public.myshell;
    CREATE TYPE public.mood AS ENUM ('ok');
    CREATE TABLE public.people (id integer PRIMARY KEY, name text);`);
  client = await db.connect();
});

afterAll(async () => {
  await client.end();
  await db.drop();
});

describe('object identities', () => {
  it('reads types by name, a shell type too, with tables and their columns', async () => {
    const found = await readIdentities(client, ['type:public.myshell', 'type:public.mood', 'table:public.people', 'constraint:public.people.people_pkey']);
    const { rows } = await client.query<{ shell: string; mood: string }>("SELECT (SELECT oid::text FROM pg_type WHERE typname = 'myshell') AS shell, 'public.mood'::regtype::oid::text AS mood");
    expect(found.get('type:public.myshell')?.identity).toBe(`${db.name}:${rows[0]!.shell}`);
    expect(found.get('type:public.mood')?.identity).toBe(`${db.name}:${rows[0]!.mood}`);
    expect(found.get('table:public.people')?.columns).toEqual({ id: 1, name: 2 });
    expect(found.has('constraint:public.people.people_pkey')).toBe(true);
  });
});

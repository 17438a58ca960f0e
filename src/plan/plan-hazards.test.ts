// Each hazard kind on a planned statement, from hand-written schema trees
// (pure: the planner and THE hazard list, no server).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../ddl/index.js';
import type { ObjectKind, SchemaObject } from '../history/index.js';
import { diff } from './planner.js';
import type { PlanStatement } from './types.js';

function object(key: string, kind: ObjectKind, definition: string, dependsOn: string[] = []): SchemaObject {
  const name = key.slice(key.lastIndexOf('.') + 1);
  return { key, kind, schema: 'public', name, definition, dependsOn };
}

const users = (columns: string, tail = ''): SchemaObject =>
  object('table:public.users', 'table', `CREATE TABLE public.users (\n    ${columns}\n);${tail}`);

const kindsOf = (plan: readonly PlanStatement[], match: RegExp): string[] => plan.find((s) => match.test(s.sql))?.hazards.map((h) => h.kind) ?? [];

beforeAll(async () => {
  await loadParser();
});

describe('hazards on planned statements', () => {
  it('DELETES_DATA and ACCESS_EXCLUSIVE_LOCK on a dropped column; TABLE_REWRITE on a retyped one; VALIDATES_ROWS on SET NOT NULL', () => {
    const plan = diff([users('id integer,\n    name text,\n    age integer')], [users('id bigint NOT NULL,\n    name text')]);
    expect(kindsOf(plan, /DROP COLUMN age/)).toEqual(expect.arrayContaining(['DELETES_DATA', 'ACCESS_EXCLUSIVE_LOCK']));
    expect(kindsOf(plan, /ALTER COLUMN id TYPE bigint/)).toContain('TABLE_REWRITE');
    expect(kindsOf(plan, /SET NOT NULL/)).toContain('VALIDATES_ROWS');
  });

  it('AUTHZ on a grant taken back and on a policy', () => {
    const before = [users('id integer', '\nGRANT SELECT ON TABLE public.users TO PUBLIC;')];
    const after = [users('id integer'), object('policy:public.users.own', 'policy', 'CREATE POLICY own ON public.users USING ((id > 0));', ['table:public.users'])];
    const plan = diff(before, after);
    expect(kindsOf(plan, /REVOKE SELECT ON TABLE public\.users FROM PUBLIC/)).toContain('AUTHZ');
    expect(kindsOf(plan, /CREATE POLICY own/)).toContain('AUTHZ');
  });

  it('UNTRACKABLE on a rename known from identities, which stays a rename', () => {
    const plan = diff([users('id integer')], [object('table:public.people', 'table', 'CREATE TABLE public.people (\n    id integer\n);')], {
      from: { objects: new Map([['table:public.users', 'db:16401']]) },
      to: { objects: new Map([['table:public.people', 'db:16401']]) },
    });
    expect(plan.map((s) => s.sql)).toEqual(['ALTER TABLE public.users RENAME TO people;']);
    expect(plan[0]!.hazards.map((h) => h.kind)).toContain('UNTRACKABLE');
  });

  it('SHARE_LOCK on an index kept in the transaction, INDEX_DROPPED and NOT_TRANSACTIONAL on one dropped CONCURRENTLY', () => {
    const index = (name: string, column: string): SchemaObject =>
      object(`index:public.${name}`, 'index', `CREATE INDEX ${name} ON public.users USING btree (${column});`, ['table:public.users']);
    const table = users('id integer,\n    name text');
    const plan = diff([table, index('users_name_idx', 'name')], [table, index('users_id_idx', 'id')]);
    expect(plan.find((s) => s.object === 'index:public.users_id_idx')).toMatchObject({ transactional: false, sql: expect.stringMatching(/^CREATE INDEX CONCURRENTLY /) });
    expect(kindsOf(plan, /DROP INDEX CONCURRENTLY public\.users_name_idx/)).toEqual(expect.arrayContaining(['INDEX_DROPPED', 'NOT_TRANSACTIONAL']));
    // On a table the plan creates, nobody waits: built in the transaction, no lock hazard.
    const fresh = diff([], [table, index('users_id_idx', 'id')]);
    expect(fresh.find((s) => s.object === 'index:public.users_id_idx')).toMatchObject({ transactional: true, hazards: [] });
    // On a partitioned table PostgreSQL refuses CONCURRENTLY: in the transaction, with its lock.
    const partitioned = object('table:public.users', 'table', 'CREATE TABLE public.users (\n    id integer\n)\nPARTITION BY RANGE (id);');
    const held = diff([partitioned], [partitioned, object('index:public.users_id_idx', 'index', 'CREATE INDEX users_id_idx ON ONLY public.users USING btree (id);', ['table:public.users'])]);
    expect(held.find((s) => s.object === 'index:public.users_id_idx')?.transactional).toBe(true);
    expect(held.find((s) => s.object === 'index:public.users_id_idx')?.hazards.map((h) => h.kind)).toContain('SHARE_LOCK');
  });
});

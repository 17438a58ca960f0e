// The plan as a script: each statement under a comment that says what it
// does; a column rename names the column, not just its table.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../ddl/index.js';
import type { SchemaObject } from '../history/index.js';
import { diff } from './planner.js';
import { renderPlan } from './script.js';
import type { SideIdentities } from './types.js';

beforeAll(async () => {
  await loadParser();
});

const users = (columns: string[], name = 'users'): SchemaObject => ({
  key: `table:public.${name}`, kind: 'table', schema: 'public', name, dependsOn: [],
  definition: `CREATE TABLE public.${name} (\n    ${columns.join(',\n    ')}\n);`,
});
const side = (table: string, columns: Record<string, string>): SideIdentities => ({
  objects: new Map([[`table:public.${table}`, 'db:1']]),
  columns: new Map([[`table:public.${table}`, new Map(Object.entries(columns))]]),
});

describe('renderPlan comments', () => {
  it('names the renamed column and its new name', () => {
    const plan = diff([users(['id bigint', 'name text'])], [users(['id bigint', 'full_name text'])], {
      from: side('users', { id: 'db:1#1', name: 'db:1#2' }),
      to: side('users', { id: 'db:1#1', full_name: 'db:1#2' }),
    });
    expect(plan.map((s) => s.sql)).toEqual(['ALTER TABLE public.users RENAME COLUMN name TO full_name;']);
    const script = renderPlan(plan, { from: 'a', to: 'b' });
    expect(script).toMatch(/^-- rename column public\.users\.name -> full_name\n(-- hazard .*\n)*ALTER TABLE public\.users RENAME COLUMN name TO full_name;$/m);
    expect(script).not.toContain('-- rename table:public.users');
  });

  it('keeps "action object" for statements that act on a whole object', () => {
    const plan = diff([users(['id bigint'])], [users(['id bigint', 'email text'])]);
    expect(renderPlan(plan, { from: 'a', to: 'b' })).toMatch(/^-- alter table:public\.users\n(-- hazard .*\n)*ALTER TABLE public\.users ADD COLUMN email text;$/m);
  });
});

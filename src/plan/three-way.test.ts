// The three-way schema merge as a pure function: columns merged per
// identity, renames followed, references into what the other side dropped,
// kinds of conflict, and resolutions.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../ddl/index.js';
import type { SchemaObject } from '../history/index.js';
import { mergeSchemas } from './three-way.js';
import type { SideIdentities } from './types.js';

beforeAll(async () => {
  await loadParser();
});

const table = (name: string, columns: string[]): SchemaObject => ({
  key: `table:public.${name}`, kind: 'table', schema: 'public', name, dependsOn: [],
  definition: `CREATE TABLE public.${name} (\n    ${columns.join(',\n    ')}\n);`,
});
const index = (name: string, on: string, column: string): SchemaObject => ({
  key: `index:public.${name}`, kind: 'index', schema: 'public', name, dependsOn: [`table:public.${on}`],
  definition: `CREATE INDEX ${name} ON public.${on} USING btree (${column});`,
});
const view = (name: string, on: string): SchemaObject => ({
  key: `view:public.${name}`, kind: 'view', schema: 'public', name, dependsOn: [`table:public.${on}`],
  definition: `CREATE VIEW public.${name} AS\n SELECT a\n   FROM public.${on};`,
});
const enumType = (labels: string[]): SchemaObject => ({
  key: 'type:public.mood', kind: 'type', schema: 'public', name: 'mood', dependsOn: [],
  definition: `CREATE TYPE public.mood AS ENUM (${labels.map((l) => `'${l}'`).join(', ')});`,
});
const ids = (objects: Record<string, string>, columns: Record<string, Record<string, string>> = {}): SideIdentities => ({
  objects: new Map(Object.entries(objects)),
  columns: new Map(Object.entries(columns).map(([key, cols]) => [key, new Map(Object.entries(cols))])),
});

describe('mergeSchemas', () => {
  it('adds the columns each side added to one table, ours first', () => {
    const base = [table('t', ['id integer', 'a integer'])];
    const result = mergeSchemas({ base, ours: [table('t', ['id integer', 'a integer', 'x text'])], theirs: [table('t', ['id integer', 'a integer', 'y integer DEFAULT 7 NOT NULL'])] });
    expect(result.conflicts).toEqual([]);
    expect(result.target.map((o) => o.definition)).toEqual([table('t', ['id integer', 'a integer', 'x text', 'y integer DEFAULT 7 NOT NULL']).definition]);
  });

  it('follows a column renamed on one side into the index the other side added on it', () => {
    const t = { 'table:public.t': 'db:1' };
    const result = mergeSchemas({
      base: [table('t', ['id integer', 'a integer'])],
      ours: [table('t', ['id integer', 'a2 integer'])],
      theirs: [table('t', ['id integer', 'a integer']), index('t_a_idx', 't', 'a')],
      identities: { base: ids(t, { 'table:public.t': { id: 'db:1#1', a: 'db:1#2' } }), ours: ids(t, { 'table:public.t': { id: 'db:1#1', a2: 'db:1#2' } }), theirs: ids({ ...t, 'index:public.t_a_idx': 'db:9' }, { 'table:public.t': { id: 'db:1#1', a: 'db:1#2' } }) },
    });
    expect(result.conflicts).toEqual([]);
    expect(result.target.find((o) => o.kind === 'index')!.definition).toBe('CREATE INDEX t_a_idx ON public.t USING btree (a2);');
  });

  it('calls two different renames of one object rename/rename, under its base name', () => {
    const result = mergeSchemas({
      base: [table('u', ['a integer'])], ours: [table('u1', ['a integer'])], theirs: [table('u2', ['a integer'])],
      identities: { base: ids({ 'table:public.u': 'db:5' }), ours: ids({ 'table:public.u1': 'db:5' }), theirs: ids({ 'table:public.u2': 'db:5' }) },
    });
    expect(result.conflicts.map((c) => [c.key, c.kind])).toEqual([['table:public.u', 'rename/rename']]);
  });

  it('finds a view over a table the other side dropped, and taking that side keeps the table', () => {
    const input = { base: [table('u', ['a integer'])], ours: [], theirs: [table('u', ['a integer']), view('uv', 'u')] };
    expect(mergeSchemas(input).conflicts.map((c) => [c.key, c.kind])).toEqual([['view:public.uv', 'dangling-reference']]);
    const theirs = mergeSchemas({ ...input, resolutions: new Map([['view:public.uv', { take: 'theirs' as const }]]) });
    expect(theirs.target.map((o) => o.key).sort()).toEqual(['table:public.u', 'view:public.uv']);
    expect(mergeSchemas({ ...input, resolutions: new Map([['view:public.uv', { take: 'ours' as const }]]) }).target).toEqual([]);
  });

  it('names the kinds PostgreSQL cannot combine: enum labels, column types', () => {
    expect(mergeSchemas({ base: [enumType(['a'])], ours: [enumType(['a', 'b'])], theirs: [enumType(['a', 'c'])] }).conflicts.map((c) => c.kind)).toEqual(['enum-labels']);
    const types = mergeSchemas({ base: [table('u', ['a integer'])], ours: [table('u', ['a bigint'])], theirs: [table('u', ['a text'])] });
    expect(types.conflicts.map((c) => [c.key, c.kind])).toEqual([['table:public.u', 'column-type']]);
  });

  it('calls a column of one name added on both sides with different types a conflict, and keeps one when they agree', () => {
    const t = { 'table:public.t': 'db:1' };
    const sides = (ours: string, theirs: string) => ({
      base: [table('t', ['id integer'])],
      ours: [table('t', ['id integer', ours])],
      theirs: [table('t', ['id integer', theirs])],
      // Added separately on each branch: two identities.
      identities: { base: ids(t, { 'table:public.t': { id: 'db:1#1' } }), ours: ids(t, { 'table:public.t': { id: 'db:1#1', note: 'db:1#2' } }), theirs: ids(t, { 'table:public.t': { id: 'db:1#1', note: 'db:2#2' } }) },
    });
    expect(mergeSchemas(sides('note text', 'note character varying(200)')).conflicts.map((c) => [c.key, c.kind])).toEqual([['table:public.t', 'modify/modify']]);
    const agreed = mergeSchemas(sides('note text', 'note text'));
    expect(agreed.conflicts).toEqual([]);
    expect(agreed.target.map((o) => o.definition)).toEqual([table('t', ['id integer', 'note text']).definition]);
  });

  it('merges a table comment as one value: both sides setting it differently conflict, one side setting it wins', () => {
    const commented = (columns: string[], comment?: string): SchemaObject => {
      const plain = table('t', columns);
      return comment === undefined ? plain : { ...plain, definition: `${plain.definition}\nCOMMENT ON TABLE public.t IS '${comment}';` };
    };
    const both = mergeSchemas({ base: [commented(['a integer'])], ours: [commented(['a integer'], 'ours')], theirs: [commented(['a integer', 'b integer'], 'theirs')] });
    expect(both.conflicts.map((c) => [c.key, c.kind])).toEqual([['table:public.t', 'modify/modify']]);
    const one = mergeSchemas({ base: [commented(['a integer'], 'old')], ours: [commented(['a integer'], 'old')], theirs: [commented(['a integer', 'b integer'], 'new')] });
    expect(one.conflicts).toEqual([]);
    expect(one.target.map((o) => o.definition)).toEqual([commented(['a integer', 'b integer'], 'new').definition]);
  });

  it('takes a definition given as SQL, and an empty one removes the object', () => {
    const input = { base: [enumType(['a'])], ours: [enumType(['a', 'b'])], theirs: [enumType(['a', 'c'])] };
    const given = mergeSchemas({ ...input, resolutions: new Map([['type:public.mood', { sql: "CREATE TYPE public.mood AS ENUM ('a', 'b', 'c');" }]]) });
    expect(given.target.map((o) => o.definition)).toEqual(["CREATE TYPE public.mood AS ENUM ('a', 'b', 'c');"]);
    expect(given.conflicts[0]!.resolution).toEqual({ sql: "CREATE TYPE public.mood AS ENUM ('a', 'b', 'c');" });
    expect(mergeSchemas({ ...input, resolutions: new Map([['type:public.mood', { sql: '\n' }]]) }).target).toEqual([]);
  });
});

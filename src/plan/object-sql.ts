// The statements that drop or rename one object, from its key. Kinds that
// live on a table (constraints, triggers, policies, rules) name the table;
// every other kind is `DROP <KIND> name`, the kind's words taken from the
// key, so object kinds added to the catalog later drop the same way.
import type { SchemaObject } from '../history/index.js';
import { rawNameParts } from './sql-tokens.js';

const WORDS: Readonly<Record<string, string>> = { materialized_view: 'MATERIALIZED VIEW', event_trigger: 'EVENT TRIGGER' };
const ON_TABLE = new Set(['trigger', 'policy', 'rule']);

export function kindWords(kind: string): string {
  return WORDS[kind] ?? kind.replace(/_/g, ' ').toUpperCase();
}

/** `schema.table` and the object's own name, for kinds that live on a table. */
export function tableAndName(key: string): { table: string; name: string } {
  const { parts } = rawNameParts(key);
  return { table: `${parts[0]}.${parts[1]}`, name: parts[2] ?? '' };
}

/** The qualified name as written in the key, with a function's argument list. */
export function qualifiedName(key: string): string {
  const { parts, args } = rawNameParts(key);
  return `${parts.join('.')}${args}`;
}

/** Operator classes and families are named `name USING method` in DDL; their keys put the method in parentheses. */
const WITH_METHOD = new Set(['operator_class', 'operator_family']);

function nameInSql(kind: string, parts: readonly string[], args: string): string {
  return WITH_METHOD.has(kind) ? `${parts.join('.')} USING ${args.slice(1, -1)}` : `${parts.join('.')}${args}`;
}

/** DROP for one object; undefined for kinds that have no DROP (default privileges: their statements are undone). */
export function dropSql(object: SchemaObject): string | undefined {
  const kind = object.kind as string;
  if (kind === 'default_acl') return undefined;
  if (kind === 'constraint') {
    const { table, name } = tableAndName(object.key);
    return `ALTER TABLE ${table} DROP CONSTRAINT ${name};`;
  }
  if (ON_TABLE.has(kind)) {
    const { table, name } = tableAndName(object.key);
    return `DROP ${kindWords(kind)} ${name} ON ${table};`;
  }
  // A sequence owned by a column goes with its table (or column): IF EXISTS.
  if (kind === 'sequence') return `DROP SEQUENCE IF EXISTS ${qualifiedName(object.key)};`;
  const { parts, args } = rawNameParts(object.key);
  // A base type takes its I/O functions (which depend on it) and its shell along: see takenByType.
  const cascade = kind === 'type' && /^CREATE TYPE \S+ \(/.test(object.definition) ? ' CASCADE' : '';
  return `DROP ${kindWords(kind)} ${nameInSql(kind, parts, args)}${cascade};`;
}

/**
 * RENAME (and SET SCHEMA) from one key to another of the same kind; `from`
 * is the name the object has when the statement runs (after the renames of
 * its schema or table that ran before it).
 */
export function renameSql(kind: string, fromKey: string, toKey: string): string[] {
  const from = rawNameParts(fromKey);
  const to = rawNameParts(toKey);
  if (kind === 'schema') return [`ALTER SCHEMA ${from.parts[0]} RENAME TO ${to.parts[0]};`];
  if (kind === 'constraint') return from.parts[2] === to.parts[2] ? [] : [`ALTER TABLE ${to.parts[0]}.${to.parts[1]} RENAME CONSTRAINT ${from.parts[2]} TO ${to.parts[2]};`];
  if (ON_TABLE.has(kind)) {
    return from.parts[2] === to.parts[2] ? [] : [`ALTER ${kindWords(kind)} ${from.parts[2]} ON ${to.parts[0]}.${to.parts[1]} RENAME TO ${to.parts[2]};`];
  }
  const statements: string[] = [];
  const words = kindWords(kind);
  let schema = from.parts[0]!;
  if (from.parts[0] !== to.parts[0]) {
    statements.push(`ALTER ${words} ${nameInSql(kind, from.parts, from.args)} SET SCHEMA ${to.parts[0]};`);
    schema = to.parts[0]!;
  }
  if (from.parts[1] !== to.parts[1]) statements.push(`ALTER ${words} ${nameInSql(kind, [schema, from.parts[1]!], from.args)} RENAME TO ${to.parts[1]};`);
  return statements;
}

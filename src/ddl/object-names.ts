// Best-effort names of the objects a statement touches, read from the parse
// tree: the recorder uses them to decide which part of the catalog to
// snapshot. Precision is not required (reconciliation catches the rest).
import type { Node, ObjectType, RangeVar } from 'libpg-query';
import type { DdlObject } from './ddl-statement.js';

/** SQL's own words for each object kind (lower case). */
const OBJECT_WORDS: Readonly<Record<ObjectType, string>> = {
  OBJECT_ACCESS_METHOD: 'access method',
  OBJECT_AGGREGATE: 'aggregate',
  OBJECT_AMOP: 'operator family member',
  OBJECT_AMPROC: 'operator family function',
  OBJECT_ATTRIBUTE: 'attribute',
  OBJECT_CAST: 'cast',
  OBJECT_COLUMN: 'column',
  OBJECT_COLLATION: 'collation',
  OBJECT_CONVERSION: 'conversion',
  OBJECT_DATABASE: 'database',
  OBJECT_DEFAULT: 'default',
  OBJECT_DEFACL: 'default privileges',
  OBJECT_DOMAIN: 'domain',
  OBJECT_DOMCONSTRAINT: 'domain constraint',
  OBJECT_EVENT_TRIGGER: 'event trigger',
  OBJECT_EXTENSION: 'extension',
  OBJECT_FDW: 'foreign data wrapper',
  OBJECT_FOREIGN_SERVER: 'server',
  OBJECT_FOREIGN_TABLE: 'foreign table',
  OBJECT_FUNCTION: 'function',
  OBJECT_INDEX: 'index',
  OBJECT_LANGUAGE: 'language',
  OBJECT_LARGEOBJECT: 'large object',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_OPCLASS: 'operator class',
  OBJECT_OPERATOR: 'operator',
  OBJECT_OPFAMILY: 'operator family',
  OBJECT_PARAMETER_ACL: 'parameter',
  OBJECT_POLICY: 'policy',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_PUBLICATION: 'publication',
  OBJECT_PUBLICATION_NAMESPACE: 'publication schema',
  OBJECT_PUBLICATION_REL: 'publication table',
  OBJECT_ROLE: 'role',
  OBJECT_ROUTINE: 'routine',
  OBJECT_RULE: 'rule',
  OBJECT_SCHEMA: 'schema',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_SUBSCRIPTION: 'subscription',
  OBJECT_STATISTIC_EXT: 'statistics',
  OBJECT_TABCONSTRAINT: 'constraint',
  OBJECT_TABLE: 'table',
  OBJECT_TABLESPACE: 'tablespace',
  OBJECT_TRANSFORM: 'transform',
  OBJECT_TRIGGER: 'trigger',
  OBJECT_TSCONFIGURATION: 'text search configuration',
  OBJECT_TSDICTIONARY: 'text search dictionary',
  OBJECT_TSPARSER: 'text search parser',
  OBJECT_TSTEMPLATE: 'text search template',
  OBJECT_TYPE: 'type',
  OBJECT_USER_MAPPING: 'user mapping',
  OBJECT_VIEW: 'view',
};

export function objectWord(type: ObjectType | undefined): string {
  return type === undefined ? 'object' : OBJECT_WORDS[type];
}

/** Object kinds that live outside any schema of the database: changing them is not a schema change. */
const OUTSIDE_SCHEMA: ReadonlySet<ObjectType | undefined> = new Set<ObjectType>([
  'OBJECT_DATABASE',
  'OBJECT_ROLE',
  'OBJECT_TABLESPACE',
  'OBJECT_PARAMETER_ACL',
  'OBJECT_LARGEOBJECT',
]);

export function isSchemaObjectType(type: ObjectType | undefined): boolean {
  return !OUTSIDE_SCHEMA.has(type);
}

/** pg_temp and the pg_temp_N schemas it stands for. */
export function isTempSchema(schema: string | undefined): boolean {
  return schema !== undefined && /^pg_temp(_\d+)?$/.test(schema);
}

/** CREATE TEMP ... or pg_temp.name. */
export function isTempRelation(relation: RangeVar | undefined): boolean {
  return relation?.relpersistence === 't' || isTempSchema(relation?.schemaname);
}

export function relationObject(relation: RangeVar | undefined, objtype: string): DdlObject[] {
  if (relation?.relname === undefined) return [];
  return [named(relation.schemaname, relation.relname, objtype)];
}

/** A possibly qualified name given as a list of String nodes. */
export function qualifiedObject(names: readonly Node[] | undefined, objtype: string): DdlObject[] {
  const parts = stringsOf(names);
  const name = parts.pop();
  if (name === undefined) return [];
  return [named(parts.pop(), name, objtype)];
}

/** Plain unqualified names (schemas, extensions, servers, ...). */
export function simpleObject(name: string | undefined, objtype: string): DdlObject[] {
  return name === undefined ? [] : [{ name, objtype }];
}

/**
 * The generic object reference of COMMENT, DROP, ALTER ... OWNER and friends:
 * a String, a List of names, an ObjectWithArgs, a TypeName or a RangeVar.
 * Columns, triggers, rules and policies carry their table in the list.
 */
export function objectsOf(node: Node | undefined, objtype: ObjectType | undefined): DdlObject[] {
  if (node === undefined) return [];
  const word = objectWord(objtype);
  if ('String' in node) return simpleObject(node.String.sval, word);
  if ('RangeVar' in node) return relationObject(node.RangeVar, word);
  if ('ObjectWithArgs' in node) return qualifiedObject(node.ObjectWithArgs.objname, word);
  if ('TypeName' in node) return qualifiedObject(node.TypeName.names, word);
  if ('List' in node) return listObject(stringsOf(node.List.items), objtype, word);
  return [];
}

/** Kinds whose name list ends with "table, member": the member is named after its table. */
const TABLE_MEMBERS: ReadonlySet<ObjectType | undefined> = new Set<ObjectType>([
  'OBJECT_COLUMN',
  'OBJECT_TABCONSTRAINT',
  'OBJECT_TRIGGER',
  'OBJECT_RULE',
  'OBJECT_POLICY',
]);

function listObject(parts: string[], objtype: ObjectType | undefined, word: string): DdlObject[] {
  const name = parts.pop();
  if (name === undefined) return [];
  if (!TABLE_MEMBERS.has(objtype)) return [named(parts.pop(), name, word)];
  const table = parts.pop() ?? '';
  const memberName = objtype === 'OBJECT_COLUMN' ? `${table}.${name}` : `${name} ON ${table}`;
  return [named(parts.pop(), memberName, word)];
}

export function stringsOf(nodes: readonly Node[] | undefined): string[] {
  const out: string[] = [];
  for (const node of nodes ?? []) if ('String' in node && node.String.sval !== undefined) out.push(node.String.sval);
  return out;
}

function named(schema: string | undefined, name: string, objtype: string): DdlObject {
  return schema === undefined ? { name, objtype } : { schema, name, objtype };
}

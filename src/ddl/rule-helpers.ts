// Small readers of parse nodes used by the entries of THE list in
// schema-changes.ts: command names, temp-object tests, object names.
import type { Node, ObjectType, RangeVar } from 'libpg-query';
import type { DdlObject } from './ddl-statement.js';
import type { NodeBody } from './node-types.js';
import {
  isTempRelation,
  isTempSchema,
  objectsOf,
  objectWord,
  relationObject,
  simpleObject,
  stringsOf,
} from './object-names.js';

/** `CREATE <word>`, as a kind function. */
export const create = (word: string) => (): string => `CREATE ${word}`;
export const alter = (word: string) => (): string => `ALTER ${word}`;
export const upper = (type: ObjectType | undefined): string => objectWord(type).toUpperCase();
export const persistent = (relation: RangeVar | undefined): boolean => !isTempRelation(relation);
export const notInTempSchema = (names: readonly Node[] | undefined): boolean => {
  const parts = stringsOf(names);
  return parts.length < 2 || !isTempSchema(parts[parts.length - 2]);
};

export function detachesConcurrently(node: NodeBody<'AlterTableStmt'>): boolean {
  return (node.cmds ?? []).some((cmd) => {
    const command = 'AlterTableCmd' in cmd ? cmd.AlterTableCmd : undefined;
    const partition = command?.def !== undefined && 'PartitionCmd' in command.def ? command.def.PartitionCmd : undefined;
    return command?.subtype === 'AT_DetachPartition' && partition?.concurrent === true;
  });
}

/** DROP of pg_temp.x only: nothing persistent goes away. */
export function namesTempObject(object: Node): boolean {
  if ('List' in object) return notInTempSchema(object.List.items) === false;
  return 'RangeVar' in object && isTempRelation(object.RangeVar);
}

/** Constraints, columns and attributes are renamed within a table, domain or type. */
export function renamedContainer(node: NodeBody<'RenameStmt'>): ObjectType | undefined {
  switch (node.renameType) {
    case 'OBJECT_COLUMN':
      return node.relationType; // TABLE, VIEW, MATERIALIZED VIEW or FOREIGN TABLE
    case 'OBJECT_TABCONSTRAINT':
      return 'OBJECT_TABLE';
    case 'OBJECT_DOMCONSTRAINT':
      return 'OBJECT_DOMAIN';
    case 'OBJECT_ATTRIBUTE':
      return 'OBJECT_TYPE';
    default:
      return undefined;
  }
}

export function renamedObjects(node: NodeBody<'RenameStmt'>): DdlObject[] {
  const container = renamedContainer(node);
  const before = referenced(node.relation, node.object, container ?? node.renameType);
  const first = before[0];
  if (first === undefined || node.newname === undefined) return before;
  const renamed = container === undefined ? node.newname : `${first.name}.${node.newname}`;
  const objtype = objectWord(node.renameType);
  return [...before, first.schema === undefined ? { name: renamed, objtype } : { schema: first.schema, name: renamed, objtype }];
}

export function referenced(relation: RangeVar | undefined, object: Node | undefined, type: ObjectType | undefined): DdlObject[] {
  return relation === undefined ? objectsOf(object, type) : relationObject(relation, objectWord(type));
}

/** Triggers, rules and policies are named per table. */
export function memberOf(table: RangeVar | undefined, name: string | undefined, objtype: string): DdlObject[] {
  if (table?.relname === undefined || name === undefined) return [];
  return relationObject({ ...table, relname: `${name} ON ${table.relname}` }, objtype);
}

export function userMapping(node: { user?: { rolename?: string; roletype?: string }; servername?: string }): DdlObject[] {
  const role = node.user?.rolename ?? node.user?.roletype?.replace(/^ROLESPEC_/, '') ?? 'PUBLIC';
  return simpleObject(`${role} SERVER ${node.servername ?? ''}`, 'user mapping');
}

export function typeText(names: readonly Node[] | undefined): string {
  return stringsOf(names).join('.');
}

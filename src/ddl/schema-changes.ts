// THE list of what counts as a schema change, as data: one entry per parse
// node type, with the command's name, the variants that do not count (temp
// objects, objects outside any schema such as roles and databases), the
// objects it names and whether it runs outside a transaction block. Anything
// whose node type is not listed here (DML, REFRESH MATERIALIZED VIEW, VACUUM,
// ANALYZE, SET, CREATE ROLE / DATABASE / TABLESPACE, ...) is not a change.
import type { Node } from 'libpg-query';
import type { DdlObject, DdlStatement } from './ddl-statement.js';
import type { NodeBody, NodeType } from './node-types.js';
import { optionIsOff, optionIsOn } from './node-types.js';
import { isSchemaObjectType, objectsOf, objectWord, qualifiedObject, relationObject, simpleObject } from './object-names.js';
import type { ParsedStatement } from './parser.js';
import { classifyLead } from './prefilter.js';
import {
  alter,
  create,
  detachesConcurrently,
  memberOf,
  namesTempObject,
  notInTempSchema,
  persistent,
  referenced,
  renamedContainer,
  renamedObjects,
  typeText,
  upper,
  userMapping,
} from './rule-helpers.js';
import { skipToFirstWord, skipTrivia, wordEnd } from './sql-scan.js';
import { redactSecrets } from './redact-secrets.js';

export interface SchemaChangeRule<K extends NodeType = NodeType> {
  readonly nodeType: K;
  /** What the entry covers, in the words of issue 4; also names its test. */
  readonly covers: string;
  /** The command as PostgreSQL names it. */
  kind(node: NodeBody<K>): string;
  /** False for the variants that leave the persistent schema alone. Default: always counts. */
  counts?(node: NodeBody<K>): boolean;
  objects?(node: NodeBody<K>): DdlObject[];
  concurrently?(node: NodeBody<K>): boolean;
  noTransactionBlock?(node: NodeBody<K>): boolean;
  /** Some forms refuse a transaction block, depending on state the statement does not show: keep them out of one. */
  readonly mayRefuseTransactionBlock?: true;
}

function rule<K extends NodeType>(entry: SchemaChangeRule<K>): SchemaChangeRule<K> {
  return entry;
}

// `covers` says what each entry stands for; schema-changes.test.ts has examples for every entry.
export const SCHEMA_CHANGES: readonly SchemaChangeRule[] = [
  // schemas, tables, columns, constraints, partitions, indexes, views
  rule({ nodeType: 'CreateSchemaStmt', covers: 'CREATE SCHEMA (with its schema elements)', kind: create('SCHEMA'),
    objects: (n) => simpleObject(n.schemaname ?? n.authrole?.rolename, 'schema') }),
  rule({
    nodeType: 'CreateStmt', covers: 'CREATE TABLE incl. partitions, inheritance, typed, unlogged; not TEMP',
    kind: create('TABLE'), counts: (n) => persistent(n.relation),
    objects: (n) => [
      ...relationObject(n.relation, 'table'),
      ...(n.inhRelations ?? []).flatMap((parent) => objectsOf(parent, 'OBJECT_TABLE')),
    ],
  }),
  rule({
    nodeType: 'AlterTableStmt', covers: 'ALTER TABLE / INDEX / VIEW / SEQUENCE / ...: columns, constraints, partitions, RLS',
    kind: (n) => `ALTER ${upper(n.objtype)}`, counts: (n) => persistent(n.relation),
    objects: (n) => relationObject(n.relation, objectWord(n.objtype)),
    concurrently: detachesConcurrently, noTransactionBlock: detachesConcurrently,
  }),
  rule({
    nodeType: 'IndexStmt', covers: 'CREATE INDEX, incl. CONCURRENTLY', kind: create('INDEX'),
    counts: (n) => persistent(n.relation),
    objects: (n) => [
      ...(n.idxname === undefined ? [] : relationObject({ ...n.relation, relname: n.idxname }, 'index')),
      ...relationObject(n.relation, 'table'),
    ],
    concurrently: (n) => n.concurrent === true, noTransactionBlock: (n) => n.concurrent === true,
  }),
  rule({ nodeType: 'ViewStmt', covers: 'CREATE [OR REPLACE] VIEW; not TEMP', kind: create('VIEW'),
    counts: (n) => persistent(n.view), objects: (n) => relationObject(n.view, 'view') }),
  rule({
    nodeType: 'CreateTableAsStmt', covers: 'CREATE TABLE AS, CREATE MATERIALIZED VIEW; not TEMP',
    kind: (n) => (n.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS'),
    counts: (n) => persistent(n.into?.rel), objects: (n) => relationObject(n.into?.rel, objectWord(n.objtype)),
  }),
  rule({
    nodeType: 'SelectStmt', covers: 'SELECT ... INTO (creates a table); not plain SELECT, not INTO TEMP',
    kind: () => 'SELECT INTO', counts: (n) => n.intoClause !== undefined && persistent(n.intoClause.rel),
    objects: (n) => relationObject(n.intoClause?.rel, 'table'),
  }),
  rule({
    nodeType: 'ExplainStmt', covers: 'EXPLAIN ANALYZE of CREATE TABLE AS / SELECT INTO (runs it); not plain EXPLAIN',
    kind: (n) => explained(n)?.kind ?? 'EXPLAIN',
    counts: (n) => optionIsOn(n.options, 'analyze') && explained(n) !== undefined,
    objects: (n) => [...(explained(n)?.objects ?? [])],
  }),
  // generic commands over every object kind
  rule({
    nodeType: 'DropStmt', covers: 'DROP of every object kind, incl. DROP INDEX CONCURRENTLY',
    kind: (n) => `DROP ${upper(n.removeType)}`,
    counts: (n) => isSchemaObjectType(n.removeType) && !(n.objects ?? []).every(namesTempObject),
    objects: (n) => (n.objects ?? []).flatMap((object) => objectsOf(object, n.removeType)),
    concurrently: (n) => n.concurrent === true, noTransactionBlock: (n) => n.concurrent === true,
  }),
  rule({
    nodeType: 'RenameStmt', covers: 'ALTER ... RENAME (objects, columns, constraints, triggers, ...)',
    kind: (n) => `ALTER ${upper(renamedContainer(n) ?? n.renameType)}`,
    counts: (n) => isSchemaObjectType(n.renameType) && persistent(n.relation), objects: renamedObjects,
  }),
  rule({ nodeType: 'CommentStmt', covers: 'COMMENT ON schema objects; not on roles, databases, tablespaces', kind: () => 'COMMENT',
    counts: (n) => isSchemaObjectType(n.objtype), objects: (n) => objectsOf(n.object, n.objtype) }),
  rule({
    nodeType: 'GrantStmt', covers: 'GRANT / REVOKE privileges on schema objects',
    kind: (n) => (n.is_grant === true ? 'GRANT' : 'REVOKE'), counts: (n) => isSchemaObjectType(n.objtype),
    objects: (n) => {
      const type = n.targtype === 'ACL_TARGET_ALL_IN_SCHEMA' ? 'OBJECT_SCHEMA' : n.objtype;
      return (n.objects ?? []).flatMap((object) => objectsOf(object, type));
    },
  }),
  rule({ nodeType: 'AlterDefaultPrivilegesStmt', covers: 'ALTER DEFAULT PRIVILEGES', kind: alter('DEFAULT PRIVILEGES') }),
  rule({ nodeType: 'SecLabelStmt', covers: 'SECURITY LABEL', kind: () => 'SECURITY LABEL',
    counts: (n) => isSchemaObjectType(n.objtype), objects: (n) => objectsOf(n.object, n.objtype) }),
  rule({ nodeType: 'AlterOwnerStmt', covers: 'ALTER ... OWNER TO', kind: (n) => `ALTER ${upper(n.objectType)}`,
    counts: (n) => isSchemaObjectType(n.objectType), objects: (n) => referenced(n.relation, n.object, n.objectType) }),
  rule({ nodeType: 'AlterObjectSchemaStmt', covers: 'ALTER ... SET SCHEMA', kind: (n) => `ALTER ${upper(n.objectType)}`,
    objects: (n) => [...referenced(n.relation, n.object, n.objectType), ...simpleObject(n.newschema, 'schema')] }),
  rule({ nodeType: 'AlterObjectDependsStmt', covers: 'ALTER ... [NO] DEPENDS ON EXTENSION',
    kind: (n) => `ALTER ${upper(n.objectType)}`, objects: (n) => referenced(n.relation, n.object, n.objectType) }),
  rule({ nodeType: 'ReassignOwnedStmt', covers: 'REASSIGN OWNED (changes owners of objects)', kind: () => 'REASSIGN OWNED' }),
  rule({ nodeType: 'DropOwnedStmt', covers: 'DROP OWNED (drops objects, revokes privileges)', kind: () => 'DROP OWNED' }),
  rule({ nodeType: 'AlterTableMoveAllStmt', covers: 'ALTER TABLE / INDEX / MATERIALIZED VIEW ALL IN TABLESPACE',
    kind: (n) => `ALTER ${upper(n.objtype)}` }),
  // functions, procedures, aggregates, operators, types, domains, sequences
  rule({
    nodeType: 'CreateFunctionStmt', covers: 'CREATE [OR REPLACE] FUNCTION / PROCEDURE; not in pg_temp',
    kind: (n) => (n.is_procedure === true ? 'CREATE PROCEDURE' : 'CREATE FUNCTION'), counts: (n) => notInTempSchema(n.funcname),
    objects: (n) => qualifiedObject(n.funcname, n.is_procedure === true ? 'procedure' : 'function'),
  }),
  rule({ nodeType: 'AlterFunctionStmt', covers: 'ALTER FUNCTION / PROCEDURE / ROUTINE', kind: (n) => `ALTER ${upper(n.objtype)}`,
    objects: (n) => qualifiedObject(n.func?.objname, objectWord(n.objtype)) }),
  rule({
    nodeType: 'DefineStmt', covers: 'CREATE AGGREGATE / OPERATOR / TYPE (base, shell) / COLLATION / TEXT SEARCH ...',
    kind: (n) => `CREATE ${upper(n.kind)}`, counts: (n) => notInTempSchema(n.defnames),
    objects: (n) => qualifiedObject(n.defnames, objectWord(n.kind)),
  }),
  rule({ nodeType: 'CompositeTypeStmt', covers: 'CREATE TYPE ... AS (composite)', kind: create('TYPE'),
    counts: (n) => persistent(n.typevar), objects: (n) => relationObject(n.typevar, 'type') }),
  rule({ nodeType: 'CreateEnumStmt', covers: 'CREATE TYPE ... AS ENUM', kind: create('TYPE'),
    counts: (n) => notInTempSchema(n.typeName), objects: (n) => qualifiedObject(n.typeName, 'type') }),
  rule({ nodeType: 'CreateRangeStmt', covers: 'CREATE TYPE ... AS RANGE', kind: create('TYPE'),
    counts: (n) => notInTempSchema(n.typeName), objects: (n) => qualifiedObject(n.typeName, 'type') }),
  rule({ nodeType: 'AlterEnumStmt', covers: 'ALTER TYPE ... ADD / RENAME VALUE', kind: alter('TYPE'),
    objects: (n) => qualifiedObject(n.typeName, 'type') }),
  rule({ nodeType: 'AlterTypeStmt', covers: 'ALTER TYPE ... SET (...)', kind: alter('TYPE'),
    objects: (n) => qualifiedObject(n.typeName, 'type') }),
  rule({ nodeType: 'CreateDomainStmt', covers: 'CREATE DOMAIN', kind: create('DOMAIN'),
    counts: (n) => notInTempSchema(n.domainname), objects: (n) => qualifiedObject(n.domainname, 'domain') }),
  rule({ nodeType: 'AlterDomainStmt', covers: 'ALTER DOMAIN', kind: alter('DOMAIN'),
    objects: (n) => qualifiedObject(n.typeName, 'domain') }),
  rule({ nodeType: 'CreateSeqStmt', covers: 'CREATE SEQUENCE; not TEMP', kind: create('SEQUENCE'),
    counts: (n) => persistent(n.sequence), objects: (n) => relationObject(n.sequence, 'sequence') }),
  rule({ nodeType: 'AlterSeqStmt', covers: 'ALTER SEQUENCE', kind: alter('SEQUENCE'),
    counts: (n) => persistent(n.sequence), objects: (n) => relationObject(n.sequence, 'sequence') }),
  rule({ nodeType: 'CreateOpClassStmt', covers: 'CREATE OPERATOR CLASS', kind: create('OPERATOR CLASS'),
    objects: (n) => qualifiedObject(n.opclassname, 'operator class') }),
  rule({ nodeType: 'CreateOpFamilyStmt', covers: 'CREATE OPERATOR FAMILY', kind: create('OPERATOR FAMILY'),
    objects: (n) => qualifiedObject(n.opfamilyname, 'operator family') }),
  rule({ nodeType: 'AlterOpFamilyStmt', covers: 'ALTER OPERATOR FAMILY ... ADD / DROP', kind: alter('OPERATOR FAMILY'),
    objects: (n) => qualifiedObject(n.opfamilyname, 'operator family') }),
  rule({ nodeType: 'AlterOperatorStmt', covers: 'ALTER OPERATOR ... SET (...)', kind: alter('OPERATOR'),
    objects: (n) => qualifiedObject(n.opername?.objname, 'operator') }),
  // triggers, event triggers, rules, policies
  rule({ nodeType: 'CreateTrigStmt', covers: 'CREATE [OR REPLACE] [CONSTRAINT] TRIGGER', kind: create('TRIGGER'),
    counts: (n) => persistent(n.relation), objects: (n) => memberOf(n.relation, n.trigname, 'trigger') }),
  rule({ nodeType: 'CreateEventTrigStmt', covers: 'CREATE EVENT TRIGGER', kind: create('EVENT TRIGGER'),
    objects: (n) => simpleObject(n.trigname, 'event trigger') }),
  rule({ nodeType: 'AlterEventTrigStmt', covers: 'ALTER EVENT TRIGGER ... ENABLE / DISABLE', kind: alter('EVENT TRIGGER'),
    objects: (n) => simpleObject(n.trigname, 'event trigger') }),
  rule({ nodeType: 'RuleStmt', covers: 'CREATE [OR REPLACE] RULE', kind: create('RULE'),
    counts: (n) => persistent(n.relation), objects: (n) => memberOf(n.relation, n.rulename, 'rule') }),
  rule({ nodeType: 'CreatePolicyStmt', covers: 'CREATE POLICY', kind: create('POLICY'),
    objects: (n) => memberOf(n.table, n.policy_name, 'policy') }),
  rule({ nodeType: 'AlterPolicyStmt', covers: 'ALTER POLICY', kind: alter('POLICY'),
    objects: (n) => memberOf(n.table, n.policy_name, 'policy') }),
  // extensions, languages, casts, conversions, collations, transforms, access methods, statistics
  rule({ nodeType: 'CreateExtensionStmt', covers: 'CREATE EXTENSION', kind: create('EXTENSION'),
    objects: (n) => simpleObject(n.extname, 'extension') }),
  rule({ nodeType: 'AlterExtensionStmt', covers: 'ALTER EXTENSION ... UPDATE', kind: alter('EXTENSION'),
    objects: (n) => simpleObject(n.extname, 'extension') }),
  rule({ nodeType: 'AlterExtensionContentsStmt', covers: 'ALTER EXTENSION ... ADD / DROP member', kind: alter('EXTENSION'),
    objects: (n) => [...simpleObject(n.extname, 'extension'), ...objectsOf(n.object, n.objtype)] }),
  rule({ nodeType: 'CreatePLangStmt', covers: 'CREATE LANGUAGE', kind: create('LANGUAGE'),
    objects: (n) => simpleObject(n.plname, 'language') }),
  rule({ nodeType: 'CreateCastStmt', covers: 'CREATE CAST', kind: create('CAST'),
    objects: (n) => simpleObject(`(${typeText(n.sourcetype?.names)} AS ${typeText(n.targettype?.names)})`, 'cast') }),
  rule({ nodeType: 'CreateConversionStmt', covers: 'CREATE CONVERSION', kind: create('CONVERSION'),
    objects: (n) => qualifiedObject(n.conversion_name, 'conversion') }),
  rule({ nodeType: 'AlterCollationStmt', covers: 'ALTER COLLATION ... REFRESH VERSION', kind: alter('COLLATION'),
    objects: (n) => qualifiedObject(n.collname, 'collation') }),
  rule({ nodeType: 'CreateTransformStmt', covers: 'CREATE TRANSFORM', kind: create('TRANSFORM'),
    objects: (n) => simpleObject(`FOR ${typeText(n.type_name?.names)} LANGUAGE ${n.lang ?? ''}`, 'transform') }),
  rule({ nodeType: 'CreateAmStmt', covers: 'CREATE ACCESS METHOD', kind: create('ACCESS METHOD'),
    objects: (n) => simpleObject(n.amname, 'access method') }),
  rule({ nodeType: 'CreateStatsStmt', covers: 'CREATE STATISTICS', kind: create('STATISTICS'),
    objects: (n) => qualifiedObject(n.defnames, 'statistics') }),
  rule({ nodeType: 'AlterStatsStmt', covers: 'ALTER STATISTICS ... SET STATISTICS', kind: alter('STATISTICS'),
    objects: (n) => qualifiedObject(n.defnames, 'statistics') }),
  // text search
  rule({ nodeType: 'AlterTSDictionaryStmt', covers: 'ALTER TEXT SEARCH DICTIONARY (options)', kind: alter('TEXT SEARCH DICTIONARY'),
    objects: (n) => qualifiedObject(n.dictname, 'text search dictionary') }),
  rule({ nodeType: 'AlterTSConfigurationStmt', covers: 'ALTER TEXT SEARCH CONFIGURATION ... MAPPING',
    kind: alter('TEXT SEARCH CONFIGURATION'), objects: (n) => qualifiedObject(n.cfgname, 'text search configuration') }),
  // publications and subscriptions
  rule({ nodeType: 'CreatePublicationStmt', covers: 'CREATE PUBLICATION', kind: create('PUBLICATION'),
    objects: (n) => simpleObject(n.pubname, 'publication') }),
  rule({ nodeType: 'AlterPublicationStmt', covers: 'ALTER PUBLICATION', kind: alter('PUBLICATION'),
    objects: (n) => simpleObject(n.pubname, 'publication') }),
  rule({
    nodeType: 'CreateSubscriptionStmt', covers: 'CREATE SUBSCRIPTION', kind: create('SUBSCRIPTION'),
    objects: (n) => simpleObject(n.subname, 'subscription'),
    // Creating the replication slot cannot be rolled back: PostgreSQL refuses it inside a block.
    noTransactionBlock: (n) => !optionIsOff(n.options, 'connect') && !optionIsOff(n.options, 'create_slot'),
    mayRefuseTransactionBlock: true,
  }),
  // Dropping a slot or refreshing with copy_data refuses a block too, depending on the subscription's state.
  rule({ nodeType: 'AlterSubscriptionStmt', covers: 'ALTER SUBSCRIPTION', kind: alter('SUBSCRIPTION'),
    objects: (n) => simpleObject(n.subname, 'subscription'), mayRefuseTransactionBlock: true }),
  rule({ nodeType: 'DropSubscriptionStmt', covers: 'DROP SUBSCRIPTION', kind: () => 'DROP SUBSCRIPTION',
    objects: (n) => simpleObject(n.subname, 'subscription'), mayRefuseTransactionBlock: true }),
  // foreign data wrappers, servers, foreign tables, user mappings
  rule({ nodeType: 'CreateFdwStmt', covers: 'CREATE FOREIGN DATA WRAPPER', kind: create('FOREIGN DATA WRAPPER'),
    objects: (n) => simpleObject(n.fdwname, 'foreign data wrapper') }),
  rule({ nodeType: 'AlterFdwStmt', covers: 'ALTER FOREIGN DATA WRAPPER', kind: alter('FOREIGN DATA WRAPPER'),
    objects: (n) => simpleObject(n.fdwname, 'foreign data wrapper') }),
  rule({ nodeType: 'CreateForeignServerStmt', covers: 'CREATE SERVER', kind: create('SERVER'),
    objects: (n) => simpleObject(n.servername, 'server') }),
  rule({ nodeType: 'AlterForeignServerStmt', covers: 'ALTER SERVER', kind: alter('SERVER'),
    objects: (n) => simpleObject(n.servername, 'server') }),
  rule({ nodeType: 'CreateForeignTableStmt', covers: 'CREATE FOREIGN TABLE', kind: create('FOREIGN TABLE'),
    objects: (n) => relationObject(n.base?.relation, 'foreign table') }),
  rule({ nodeType: 'CreateUserMappingStmt', covers: 'CREATE USER MAPPING', kind: create('USER MAPPING'), objects: userMapping }),
  rule({ nodeType: 'AlterUserMappingStmt', covers: 'ALTER USER MAPPING', kind: alter('USER MAPPING'), objects: userMapping }),
  rule({ nodeType: 'DropUserMappingStmt', covers: 'DROP USER MAPPING', kind: () => 'DROP USER MAPPING', objects: userMapping }),
  rule({ nodeType: 'ImportForeignSchemaStmt', covers: 'IMPORT FOREIGN SCHEMA', kind: () => 'IMPORT FOREIGN SCHEMA',
    objects: (n) => simpleObject(n.local_schema, 'schema') }),
];

const RULES_BY_TYPE: ReadonlyMap<string, SchemaChangeRule> = new Map(SCHEMA_CHANGES.map((entry) => [entry.nodeType, entry]));

/** The schema change a parsed statement makes, or undefined when it makes none. */
export function describeSchemaChange(statement: ParsedStatement): DdlStatement | undefined {
  if (statement.node === undefined) return unparsedChange(statement.text);
  return describeNode(statement.text, statement.node);
}

function describeNode(text: string, node: Node): DdlStatement | undefined {
  const nodeType = Object.keys(node)[0];
  const entry = nodeType === undefined ? undefined : RULES_BY_TYPE.get(nodeType);
  if (nodeType === undefined || entry === undefined) return undefined;
  // The entry was looked up by this very node type, so its body has the entry's type.
  const body = (node as Record<string, unknown>)[nodeType] as NodeBody<NodeType>;
  if (entry.counts?.(body) === false) return undefined;
  const objects = entry.objects?.(body) ?? [];
  return {
    text: redactSecrets(text),
    kind: entry.kind(body),
    nodeType,
    ...(objects.length > 0 ? { objects } : {}),
    ...(entry.concurrently?.(body) === true ? { concurrently: true } : {}),
    ...(entry.noTransactionBlock?.(body) === true ? { noTransactionBlock: true } : {}),
    ...(entry.mayRefuseTransactionBlock ? { mayRefuseTransactionBlock: true } : {}),
  };
}

/** A statement the parser rejected but that starts like DDL is kept, raw, rather than lost. */
function unparsedChange(text: string): DdlStatement | undefined {
  if (classifyLead(text) !== 'ddl-candidate') return undefined;
  const first = skipToFirstWord(text, 0);
  const firstEnd = wordEnd(text, first);
  const second = skipTrivia(text, firstEnd);
  const kind = `${text.slice(first, firstEnd)} ${text.slice(second, wordEnd(text, second))}`.trim().toUpperCase();
  return { text: redactSecrets(text), kind, nodeType: 'Unparsed', unparsed: true };
}

function explained(node: NodeBody<'ExplainStmt'>): DdlStatement | undefined {
  return node.query === undefined ? undefined : describeNode('', node.query);
}

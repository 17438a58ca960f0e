// THE hazard list, as data: per parse node type, the hazards a statement of
// that type carries. The planner classifies every statement it plans with
// it, and the proxy's guard can classify a statement on the wire before it
// is forwarded. Lock levels follow PostgreSQL's documentation of each
// command (the ALTER TABLE subcommand table in particular).
import type { Node, RangeVar } from 'libpg-query';
import { bodyOf, type NodeBody, type NodeType, type ParsedStatement } from '../ddl/index.js';
import type { HazardKind } from './hazard-kinds.js';
import type { Hazard } from './types.js';

export interface HazardRule<K extends NodeType = NodeType> {
  readonly nodeType: K;
  /** What the entry covers; hazard-rules.test.ts has an example for each. */
  readonly covers: string;
  hazards(node: NodeBody<K>): Hazard[];
}

const rule = <K extends NodeType>(entry: HazardRule<K>): HazardRule<K> => entry;

export function relationName(relation: RangeVar | undefined): string | undefined {
  if (relation?.relname === undefined) return undefined;
  return relation.schemaname ? `${relation.schemaname}.${relation.relname}` : relation.relname;
}

function hazard(kind: HazardKind, detail: string, relation?: string): Hazard {
  return relation === undefined ? { kind, detail } : { kind, detail, relation };
}

function names(list: readonly Node[] | undefined): string {
  return (list ?? []).map((item) => bodyOf(item, 'String')?.sval ?? '').join('.');
}

// Functions whose value changes per row: a default calling one rewrites the table when added.
const VOLATILE = new Set(['random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v4', 'clock_timestamp', 'timeofday', 'nextval', 'txid_current']);

function callsVolatile(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  const call = (node as { FuncCall?: { funcname?: Node[] } }).FuncCall;
  if (call && VOLATILE.has(names(call.funcname).split('.').pop() ?? '')) return true;
  return Object.values(node as Record<string, unknown>).some(callsVolatile);
}

type Constraint = NodeBody<'Constraint'>;

function constraintsOf(def: Node | undefined): Constraint[] {
  const column = bodyOf(def, 'ColumnDef');
  if (column) return (column.constraints ?? []).map((c) => bodyOf(c, 'Constraint')).filter((c): c is Constraint => c !== undefined);
  const constraint = bodyOf(def, 'Constraint');
  return constraint ? [constraint] : [];
}

/** Hazards of adding a constraint: a scan for CHECK/FK unless NOT VALID, an index build for PK/UNIQUE/EXCLUDE. */
function constraintHazards(constraint: Constraint, table: string | undefined): Hazard[] {
  switch (constraint.contype) {
    case 'CONSTR_CHECK':
    case 'CONSTR_FOREIGN':
      return constraint.skip_validation
        ? []
        : [hazard('VALIDATES_ROWS', `${constraint.contype === 'CONSTR_CHECK' ? 'CHECK' : 'FOREIGN KEY'} is checked against every row; add it NOT VALID, then VALIDATE CONSTRAINT`, table)];
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION':
      return constraint.indexname ? [] : [hazard('SHARE_LOCK', 'builds an index while holding the table; build it CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX', table)];
    case 'CONSTR_NOTNULL':
      return [hazard('VALIDATES_ROWS', 'NOT NULL is checked against every row', table)];
    default:
      return [];
  }
}

// ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE.
const WEAKER_LOCK = new Set([
  'AT_SetStatistics', 'AT_ValidateConstraint', 'AT_AttachPartition', 'AT_ClusterOn', 'AT_DropCluster', 'AT_SetRelOptions', 'AT_ResetRelOptions',
  'AT_EnableTrig', 'AT_DisableTrig', 'AT_EnableAlwaysTrig', 'AT_EnableReplicaTrig', 'AT_EnableTrigAll', 'AT_DisableTrigAll', 'AT_EnableTrigUser', 'AT_DisableTrigUser',
]);

function alterTableHazards(node: NodeBody<'AlterTableStmt'>): Hazard[] {
  const table = relationName(node.relation);
  const found: Hazard[] = [];
  if (node.objtype !== 'OBJECT_TABLE' && node.objtype !== 'OBJECT_MATVIEW' && node.objtype !== 'OBJECT_FOREIGN_TABLE') return found;
  let exclusive = false;
  for (const item of node.cmds ?? []) {
    const cmd = bodyOf(item, 'AlterTableCmd');
    if (!cmd) continue;
    const subtype = cmd.subtype ?? '';
    const isFk = constraintsOf(cmd.def).some((c) => c.contype === 'CONSTR_FOREIGN');
    if (!WEAKER_LOCK.has(subtype) && !(subtype === 'AT_AddConstraint' && isFk)) exclusive = true;
    switch (subtype) {
      case 'AT_DropColumn':
        found.push(hazard('DELETES_DATA', `drops column ${cmd.name} and its data`, table));
        break;
      case 'AT_AlterColumnType':
        found.push(hazard('TABLE_REWRITE', `changes the type of column ${cmd.name}: the table and its indexes are rewritten unless the types are binary-compatible`, table));
        break;
      case 'AT_AddColumn': {
        const column = bodyOf(cmd.def, 'ColumnDef');
        const constraints = constraintsOf(cmd.def);
        const rewrites = constraints.some((c) => (c.contype === 'CONSTR_DEFAULT' && callsVolatile(c.raw_expr)) || c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED');
        if (rewrites) found.push(hazard('TABLE_REWRITE', `column ${column?.colname} gets a per-row value (volatile default, identity or generated): every row is rewritten`, table));
        for (const c of constraints) if (c.contype !== 'CONSTR_NOTNULL') found.push(...constraintHazards(c, table));
        break;
      }
      case 'AT_SetNotNull':
        found.push(hazard('VALIDATES_ROWS', `SET NOT NULL on ${cmd.name} scans every row; a valid CHECK (${cmd.name} IS NOT NULL) added first lets it skip the scan`, table));
        break;
      case 'AT_AddConstraint':
        for (const c of constraintsOf(cmd.def)) found.push(...constraintHazards(c, table));
        break;
      case 'AT_ValidateConstraint':
        found.push(hazard('VALIDATES_ROWS', `VALIDATE CONSTRAINT ${cmd.name} scans every row (under a lock that lets reads and writes go on)`, table));
        break;
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
      case 'AT_SetAccessMethod':
        found.push(hazard('TABLE_REWRITE', 'rewrites the table', table));
        break;
      case 'AT_EnableRowSecurity':
      case 'AT_DisableRowSecurity':
      case 'AT_ForceRowSecurity':
      case 'AT_NoForceRowSecurity':
        found.push(hazard('AUTHZ', 'changes row-level security', table));
        break;
      case 'AT_AttachPartition':
        found.push(hazard('VALIDATES_ROWS', 'scans the partition to check its bound, unless a CHECK constraint proves it', table));
        break;
      case 'AT_DetachPartition':
        if (bodyOf(cmd.def, 'PartitionCmd')?.concurrent) found.push(hazard('NOT_TRANSACTIONAL', 'DETACH PARTITION CONCURRENTLY cannot run in a transaction block', table));
        break;
      default:
        break;
    }
  }
  if (exclusive) found.push(hazard('ACCESS_EXCLUSIVE_LOCK', 'ALTER TABLE takes an ACCESS EXCLUSIVE lock: reads and writes wait', table));
  return found;
}

const DATA_KINDS = new Set(['OBJECT_TABLE', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE']);

function dropHazards(node: NodeBody<'DropStmt'>): Hazard[] {
  const found: Hazard[] = [];
  for (const object of node.objects ?? []) {
    const name = names(bodyOf(object, 'List')?.items) || names(bodyOf(object, 'TypeName')?.names) || bodyOf(object, 'String')?.sval || '';
    const kind = (node.removeType ?? '').replace('OBJECT_', '').toLowerCase().replace('matview', 'materialized view').replace('_', ' ');
    if (DATA_KINDS.has(node.removeType ?? '')) {
      found.push(hazard('DELETES_DATA', `drops ${kind} ${name} and its data`, name));
      if (node.removeType !== 'OBJECT_SEQUENCE') found.push(hazard('ACCESS_EXCLUSIVE_LOCK', `DROP takes an ACCESS EXCLUSIVE lock on ${name}`, name));
    }
    if (node.removeType === 'OBJECT_INDEX') {
      found.push(hazard('INDEX_DROPPED', `drops index ${name}: queries that used it may get slower`, name));
      if (node.concurrent) found.push(hazard('NOT_TRANSACTIONAL', 'DROP INDEX CONCURRENTLY cannot run in a transaction block', name));
      else found.push(hazard('ACCESS_EXCLUSIVE_LOCK', `DROP INDEX locks its table ACCESS EXCLUSIVE; DROP INDEX CONCURRENTLY does not`, name));
    }
    if (node.removeType === 'OBJECT_POLICY') found.push(hazard('AUTHZ', `drops policy ${name}`));
    if (node.removeType === 'OBJECT_TYPE') found.push(hazard('DELETES_DATA', `drops type ${name} (and, with CASCADE, the columns of that type)`, name));
  }
  if (node.behavior === 'DROP_CASCADE') found.push(hazard('DELETES_DATA', 'CASCADE also drops whatever depends on it'));
  return found;
}

export const HAZARD_RULES: readonly HazardRule[] = [
  rule({ nodeType: 'DropStmt', covers: 'DROP TABLE / SEQUENCE / MATERIALIZED VIEW / INDEX / POLICY / TYPE, CASCADE', hazards: dropHazards }),
  rule({ nodeType: 'AlterTableStmt', covers: 'ALTER TABLE: drop column, type change, volatile default, NOT NULL, constraints, RLS, partitions, locks', hazards: alterTableHazards }),
  rule({
    nodeType: 'IndexStmt', covers: 'CREATE INDEX with or without CONCURRENTLY',
    hazards: (n) => n.concurrent
      ? [hazard('NOT_TRANSACTIONAL', 'CREATE INDEX CONCURRENTLY cannot run in a transaction block', relationName(n.relation))]
      : [hazard('SHARE_LOCK', 'CREATE INDEX blocks writes to the table until it is built; CREATE INDEX CONCURRENTLY does not', relationName(n.relation))],
  }),
  rule({
    nodeType: 'ReindexStmt', covers: 'REINDEX with or without CONCURRENTLY',
    hazards: (n) => (n.params ?? []).some((p) => bodyOf(p, 'DefElem')?.defname === 'concurrently')
      ? [hazard('NOT_TRANSACTIONAL', 'REINDEX CONCURRENTLY cannot run in a transaction block', relationName(n.relation))]
      : [hazard('SHARE_LOCK', 'REINDEX blocks writes while it rebuilds; REINDEX CONCURRENTLY does not', relationName(n.relation))],
  }),
  rule({
    nodeType: 'VacuumStmt', covers: 'VACUUM FULL rewrites the table',
    hazards: (n) => (n.options ?? []).some((o) => bodyOf(o, 'DefElem')?.defname === 'full')
      ? (n.rels ?? []).flatMap((r) => {
          const table = relationName(bodyOf(r, 'VacuumRelation')?.relation);
          return [hazard('TABLE_REWRITE', 'VACUUM FULL rewrites the table', table), hazard('ACCESS_EXCLUSIVE_LOCK', 'VACUUM FULL holds an ACCESS EXCLUSIVE lock', table)];
        })
      : [],
  }),
  rule({
    nodeType: 'ClusterStmt', covers: 'CLUSTER rewrites the table',
    hazards: (n) => [hazard('TABLE_REWRITE', 'CLUSTER rewrites the table', relationName(n.relation)), hazard('ACCESS_EXCLUSIVE_LOCK', 'CLUSTER holds an ACCESS EXCLUSIVE lock', relationName(n.relation))],
  }),
  rule({
    nodeType: 'LockStmt', covers: 'LOCK TABLE ... IN ACCESS EXCLUSIVE MODE',
    // LockStmt.mode is the lock level number: 8 = AccessExclusiveLock.
    hazards: (n) => (n.mode === 8 ? (n.relations ?? []).map((r) => hazard('ACCESS_EXCLUSIVE_LOCK', 'LOCK TABLE in ACCESS EXCLUSIVE mode', relationName(bodyOf(r, 'RangeVar')))) : []),
  }),
  rule({
    nodeType: 'TruncateStmt', covers: 'TRUNCATE deletes every row, under an ACCESS EXCLUSIVE lock',
    hazards: (n) => (n.relations ?? []).flatMap((r) => {
      const table = relationName(bodyOf(r, 'RangeVar'));
      return [hazard('DELETES_DATA', 'TRUNCATE deletes every row', table), hazard('ACCESS_EXCLUSIVE_LOCK', 'TRUNCATE holds an ACCESS EXCLUSIVE lock', table)];
    }),
  }),
  rule({
    nodeType: 'RenameStmt', covers: 'RENAME of a table, column or function: bodies that name it by text break',
    hazards: (n) => [
      hazard('UNTRACKABLE', 'function bodies and application queries that use the old name break; pggit cannot see inside them', relationName(n.relation)),
      ...(n.relation ? [hazard('ACCESS_EXCLUSIVE_LOCK', 'RENAME takes an ACCESS EXCLUSIVE lock', relationName(n.relation))] : []),
    ],
  }),
  rule({ nodeType: 'GrantStmt', covers: 'GRANT / REVOKE on objects', hazards: () => [hazard('AUTHZ', 'changes privileges')] }),
  rule({ nodeType: 'GrantRoleStmt', covers: 'GRANT / REVOKE role membership', hazards: () => [hazard('AUTHZ', 'changes role membership')] }),
  rule({ nodeType: 'AlterDefaultPrivilegesStmt', covers: 'ALTER DEFAULT PRIVILEGES', hazards: () => [hazard('AUTHZ', 'changes the privileges new objects get')] }),
  rule({ nodeType: 'CreatePolicyStmt', covers: 'CREATE POLICY', hazards: (n) => [hazard('AUTHZ', `adds policy ${n.policy_name}`, relationName(n.table))] }),
  rule({ nodeType: 'AlterPolicyStmt', covers: 'ALTER POLICY', hazards: (n) => [hazard('AUTHZ', `changes policy ${n.policy_name}`, relationName(n.table))] }),
  rule({ nodeType: 'AlterOwnerStmt', covers: 'OWNER TO', hazards: () => [hazard('AUTHZ', 'changes the owner, and with it who may alter or drop the object')] }),
  rule({
    nodeType: 'AlterEnumStmt', covers: 'ALTER TYPE ... ADD VALUE: usable only after its transaction commits',
    hazards: (n) => (n.oldVal !== undefined ? [] : [hazard('NOT_TRANSACTIONAL', 'the new enum value cannot be used before its transaction commits, so it runs on its own first')]),
  }),
];

const BY_TYPE = new Map<string, HazardRule>(HAZARD_RULES.map((entry) => [entry.nodeType, entry]));

/** The hazards of one parsed statement (none for a statement the parser rejected). */
export function hazardsOf(statement: ParsedStatement): Hazard[] {
  if (statement.node === undefined || statement.nodeType === undefined) return [];
  const entry = BY_TYPE.get(statement.nodeType);
  if (!entry) return [];
  const body = (statement.node as unknown as Record<string, unknown>)[statement.nodeType];
  return (entry.hazards as (node: unknown) => Hazard[])(body);
}

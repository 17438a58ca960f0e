// plan: pure planners over schema trees. diff(from, to, identities) turns
// one schema into another as statements in dependency order, each with its
// hazards and whether it can run in a transaction; renderPlan writes a plan
// as a psql script. THE hazard list (hazard-rules.ts) is data, shared with
// the proxy's guard. Needs the DDL parser loaded (loadParser()).
export type { Hazard, Identities, PlanAction, PlanStatement, SideIdentities } from './types.js';
export { HAZARD_KINDS, HAZARD_NAMES, type HazardKind } from './hazard-kinds.js';
export { HAZARD_RULES, hazardsOf, relationName, type HazardRule } from './hazard-rules.js';
export { diff, type Schema } from './planner.js';
export { renderPlan, describeHazard, formatBytes } from './script.js';
export { mergeTrees, type Conflict, type ConflictKind, type MergeResult } from './merge.js';
export { mergeSchemas, type MergeConflict, type MergeResolution, type ThreeWayInput, type ThreeWayResult } from './three-way.js';

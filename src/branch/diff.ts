// `pggit diff FROM [TO]` (and GET /api/diff): the plan that turns FROM's
// schema into TO's. Each side is a revision or a postgres:// URL; TO
// defaults to the live database of the branch. Two URLs need no store.
import { diff, type Hazard, type PlanStatement } from '../plan/index.js';
import { databaseConfig, StoreError, type HistoryReader } from '../store/index.js';
import type { RefContext } from '../history/index.js';
import { isDatabaseUrl, readLive, readSide, relationSizes, type SchemaSide } from './schema-source.js';

export interface DiffInput {
  readonly from: string;
  readonly to?: string | undefined;
  /** The history, when a side is a revision or TO is omitted. */
  readonly reader?: HistoryReader | undefined;
  readonly context?: RefContext | undefined;
  /** The server the branch databases live on (for TO omitted). */
  readonly upstreamUrl?: string | undefined;
}

export interface DiffSummary {
  readonly statements: number;
  readonly byAction: Record<string, number>;
  readonly hazards: Record<string, number>;
}

export interface DiffResult {
  readonly from: string;
  readonly to: string;
  readonly statements: PlanStatement[];
  readonly summary: DiffSummary;
}

// Hazards whose cost grows with the table: these get its row count and size.
const SIZED = new Set(['DELETES_DATA', 'TABLE_REWRITE', 'ACCESS_EXCLUSIVE_LOCK', 'SHARE_LOCK', 'VALIDATES_ROWS']);

async function branchDatabaseSide(input: DiffInput): Promise<SchemaSide> {
  if (!input.reader || !input.context) throw new StoreError('UNKNOWN_BRANCH', 'TO omitted: the live database of the branch needs the metadata store (or give TO as a postgres:// URL)');
  if (!input.upstreamUrl) throw new StoreError('UNKNOWN_BRANCH', 'TO omitted: the upstream server is not known (set --upstream or PGGIT_UPSTREAM)');
  const branch = (await input.reader.branches(input.context.repository)).find((row) => row.name === input.context!.branch);
  if (!branch) throw new StoreError('UNKNOWN_BRANCH', `no branch "${input.context.branch}" in "${input.context.repository}"`);
  return readLive(databaseConfig(input.upstreamUrl, branch.database), `${branch.database} (live, branch ${branch.name})`);
}

/** Adds rows and bytes to the hazards on tables, read from the live side (FROM first: the plan runs there). */
export async function withSizes(plan: PlanStatement[], sides: readonly SchemaSide[]): Promise<PlanStatement[]> {
  const live = sides.find((side) => side.live !== undefined)?.live;
  if (!live) return plan;
  const relations = [...new Set(plan.flatMap((s) => s.hazards.filter((h) => SIZED.has(h.kind) && h.relation).map((h) => h.relation!)))];
  const sizes = await relationSizes(live, relations);
  if (sizes.size === 0) return plan;
  return plan.map((statement) => ({
    ...statement,
    hazards: statement.hazards.map((hazard): Hazard => {
      const size = hazard.relation !== undefined && SIZED.has(hazard.kind) ? sizes.get(hazard.relation) : undefined;
      return size ? { ...hazard, rows: size.rows, bytes: size.bytes } : hazard;
    }),
  }));
}

export function summarize(plan: readonly PlanStatement[]): DiffSummary {
  const byAction: Record<string, number> = {};
  const hazards: Record<string, number> = {};
  for (const statement of plan) {
    byAction[statement.action] = (byAction[statement.action] ?? 0) + 1;
    for (const hazard of new Set(statement.hazards.map((h) => h.kind))) hazards[hazard] = (hazards[hazard] ?? 0) + 1;
  }
  return { statements: plan.length, byAction, hazards };
}

export async function diffSchemas(input: DiffInput): Promise<DiffResult> {
  const [from, to] = await Promise.all([
    readSide(input.from, input.reader, input.context),
    input.to === undefined ? branchDatabaseSide(input) : readSide(input.to, input.reader, input.context),
  ]);
  const plan = await withSizes(diff(from.objects, to.objects), [from, to]);
  return { from: from.label, to: to.label, statements: plan, summary: summarize(plan) };
}

export { isDatabaseUrl };

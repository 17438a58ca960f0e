// Hazards of planned statements: THE list (hazard-rules.ts) applied to each
// statement, minus the lock and scan hazards on tables the plan itself
// creates (nobody can be waiting on them), plus NOT_TRANSACTIONAL where the
// planner placed a statement outside the transaction.
import type { PlannedSql } from './alter-in-place.js';
import { statementsOf } from './alter-in-place.js';
import { hazardsOf } from './hazard-rules.js';
import type { Hazard, PlanAction, PlanStatement } from './types.js';

const ONLY_WHEN_LIVE = new Set(['ACCESS_EXCLUSIVE_LOCK', 'SHARE_LOCK', 'VALIDATES_ROWS', 'TABLE_REWRITE']);

export function classifyPlanned(steps: ReadonlyArray<PlannedSql & { object: string; action: PlanAction; label?: string; hazards?: readonly Hazard[] }>, created: ReadonlySet<string>): PlanStatement[] {
  return steps.map((step) => {
    const hazards: Hazard[] = [];
    const seen = new Set<string>();
    const found = [...(step.hazards ?? []), ...statementsOf(step.sql).flatMap((statement) => hazardsOf(statement))];
    if (!step.transactional && !found.some((h) => h.kind === 'NOT_TRANSACTIONAL')) {
      found.push({ kind: 'NOT_TRANSACTIONAL', detail: step.phase === 'before' ? 'runs on its own before the transaction, so what follows can use it' : 'runs on its own after the transaction' });
    }
    for (const hazard of found) {
      if (hazard.relation !== undefined && created.has(hazard.relation) && ONLY_WHEN_LIVE.has(hazard.kind)) continue;
      const id = `${hazard.kind}\0${hazard.relation ?? ''}`;
      if (seen.has(id)) continue;
      seen.add(id);
      hazards.push(hazard);
    }
    const statement: PlanStatement = { sql: step.sql, object: step.object, action: step.action, ...(step.label ? { label: step.label } : {}), hazards, transactional: step.transactional };
    return step.phase && !step.transactional ? { ...statement, phase: step.phase } : statement;
  });
}

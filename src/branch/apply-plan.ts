// Runs a plan on a branch's database: the statements that must commit
// first on their own, then the rest in one transaction, then those that
// must run after it; with the settings the canonical definitions need.
import type pg from 'pg';
import { PREAMBLE } from '../history/index.js';
import type { PlanStatement } from '../plan/index.js';

export async function applyPlan(client: pg.ClientBase, plan: readonly PlanStatement[]): Promise<void> {
  await client.query(PREAMBLE);
  for (const statement of plan) if (!statement.transactional && statement.phase === 'before') await client.query(statement.sql);
  const inside = plan.filter((statement) => statement.transactional);
  if (inside.length > 0) {
    await client.query('BEGIN');
    try {
      for (const statement of inside) await client.query(statement.sql);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  for (const statement of plan) if (!statement.transactional && statement.phase !== 'before') await client.query(statement.sql);
}

// Runs a plan on a branch's database: the statements that must commit
// first on their own, then the rest in one transaction, then those that
// must run after it; with the settings the canonical definitions need.
import type pg from 'pg';
import { parseStatements } from '../ddl/index.js';
import { PREAMBLE } from '../history/index.js';
import type { PlanStatement } from '../plan/index.js';

/** One statement per query: several in one query would make a transaction block, which CONCURRENTLY refuses. */
async function runAlone(client: pg.ClientBase, statement: PlanStatement): Promise<void> {
  for (const part of parseStatements(statement.sql)) await client.query(part.text);
}

export async function applyPlan(client: pg.ClientBase, plan: readonly PlanStatement[]): Promise<void> {
  await client.query(PREAMBLE);
  for (const statement of plan) if (!statement.transactional && statement.phase === 'before') await runAlone(client, statement);
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
  for (const statement of plan) if (!statement.transactional && statement.phase !== 'before') await runAlone(client, statement);
}

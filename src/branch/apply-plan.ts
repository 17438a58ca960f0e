// Runs a plan on a branch's database: the statements that must commit
// first on their own, then the rest in one transaction, then those that
// must run after it (CREATE / DROP INDEX CONCURRENTLY), each on its own;
// with the settings the canonical definitions need. What the database then
// has is read back inside the transaction, before COMMIT, when nothing runs
// after it (so a concurrent change committed meanwhile is not taken for
// the plan's), else after the last statement.
import type pg from 'pg';
import { parseStatements } from '../ddl/index.js';
import { PREAMBLE } from '../history/index.js';
import type { PlanStatement } from '../plan/index.js';

export interface Applied<T> {
  /** What readBack returned. */
  readonly result: T;
  /** A statement after the transaction failed (the transaction itself was committed). */
  readonly failedAfter?: Error;
}

/** One statement per query: several in one query make a transaction block, which CONCURRENTLY refuses. */
async function runAlone(client: pg.ClientBase, statement: PlanStatement): Promise<void> {
  for (const part of parseStatements(statement.sql)) await client.query(part.text);
}

/** Throws when the transaction fails (then nothing of it was applied). */
export async function applyPlan<T>(client: pg.ClientBase, plan: readonly PlanStatement[], readBack: () => Promise<T>): Promise<Applied<T>> {
  await client.query(PREAMBLE);
  for (const statement of plan) if (!statement.transactional && statement.phase === 'before') await runAlone(client, statement);
  const inside = plan.filter((statement) => statement.transactional);
  const after = plan.filter((statement) => !statement.transactional && statement.phase !== 'before');
  let result: T | undefined;
  if (inside.length > 0) {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      for (const statement of inside) await client.query(statement.sql);
      if (after.length === 0) result = await readBack();
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  let failedAfter: Error | undefined;
  try {
    for (const statement of after) await runAlone(client, statement);
  } catch (error) {
    failedAfter = error as Error;
  }
  if (inside.length === 0 || after.length > 0) result = await readBack();
  return failedAfter ? { result: result as T, failedAfter } : { result: result as T };
}

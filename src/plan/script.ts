// A plan as one script for `psql -v ON_ERROR_STOP=1 -f`: the settings the
// canonical definitions need, the statements that must run on their own
// before, the rest in one transaction, then those that must run after;
// each statement under a comment with its object and hazards.
import { PREAMBLE } from '../history/index.js';
import type { Hazard, PlanStatement } from './types.js';

export function describeHazard(hazard: Hazard): string {
  const size: string[] = [];
  if (hazard.rows !== undefined) size.push(`${hazard.rows.toLocaleString('en-US')} rows`);
  if (hazard.bytes !== undefined) size.push(formatBytes(hazard.bytes));
  return `${hazard.kind}: ${hazard.detail}${size.length > 0 ? ` (${hazard.relation ?? 'table'}: ${size.join(', ')})` : ''}`;
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function block(statement: PlanStatement): string {
  const lines = [`-- ${statement.label ?? `${statement.action} ${statement.object}`}`];
  for (const hazard of statement.hazards) lines.push(`-- hazard ${describeHazard(hazard)}`);
  lines.push(statement.sql);
  return lines.join('\n');
}

export function renderPlan(plan: readonly PlanStatement[], header: { from: string; to: string }): string {
  const parts = [`-- pggit diff ${header.from} -> ${header.to}`];
  if (plan.length === 0) return `${parts[0]}\n-- no differences\n`;
  parts.push(PREAMBLE);
  const before = plan.filter((s) => !s.transactional && s.phase === 'before');
  const inside = plan.filter((s) => s.transactional);
  const after = plan.filter((s) => !s.transactional && s.phase !== 'before');
  if (before.length > 0) parts.push('-- outside the transaction, first', ...before.map(block));
  if (inside.length > 0) parts.push('BEGIN;', ...inside.map(block), 'COMMIT;');
  if (after.length > 0) parts.push('-- outside the transaction, after it', ...after.map(block));
  return `${parts.join('\n\n')}\n`;
}

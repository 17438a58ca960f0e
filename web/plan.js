// A plan's statements as the server planned them (diff, merge): the SQL in
// the order it runs, hazardous statements outlined, each hazard in words.
import { h } from './dom.js';

export function planList(statements) {
  return h(
    'ol',
    { class: 'plan' },
    statements.map((statement) =>
      h(
        'li',
        { class: statement.hazards?.length ? 'hazardous' : '', 'data-object': statement.object },
        h('p', { class: 'step' }, statement.label ?? `${statement.action} ${statement.object}`),
        h('pre', { class: 'sql' }, statement.sql),
        (statement.hazards ?? []).map((hazard) => h('p', { class: 'hazard' }, h('strong', {}, `⚠ ${hazard.kind}`), ` ${hazard.detail ?? ''}${sizeOf(hazard)}`)),
        statement.transactional === false ? h('p', { class: 'muted small' }, 'runs outside a transaction') : null,
      ),
    ),
  );
}

/** "(public.orders: 1,200 rows, 8.0 kB)" where the server measured the live table. */
function sizeOf(hazard) {
  const parts = [];
  if (hazard.rows !== undefined) parts.push(`${hazard.rows.toLocaleString('en-US')} rows`);
  if (hazard.bytes !== undefined) parts.push(bytes(hazard.bytes));
  return parts.length ? ` (${hazard.relation ?? 'table'}: ${parts.join(', ')})` : '';
}

function bytes(n) {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

// The default one-line message of a commit: what each statement did to what,
// e.g. "create table public.users; alter table public.orders".
import type { DdlStatement } from '../ddl/index.js';

const MAX_LENGTH = 200;

export function summarise(statements: readonly DdlStatement[]): string {
  const parts = statements.map((statement) => {
    const target = statement.objects?.[0];
    const name = target ? (target.schema ? `${target.schema}.${target.name}` : target.name) : '';
    return `${statement.kind.toLowerCase()}${name ? ` ${name}` : ''}`;
  });
  const unique = [...new Set(parts)];
  const text = unique.join('; ') || 'schema change';
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}

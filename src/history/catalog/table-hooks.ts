// Triggers and rules have the same shape: a definition from pg_get_*def, an
// enabled state (ALTER TABLE ... ENABLE/DISABLE) and a comment.
import type { CatalogObject, FamilyReader } from './family.js';
import { runFamily, type FamilyStatement } from './statement.js';
import type { FilterFamily } from './filter.js';
import { lines } from './sql.js';

export interface HookRow extends Record<string, unknown> {
  schema: string;
  name: string;
  qtable: string;
  qname: string;
  def: string;
  enabled: 'O' | 'D' | 'R' | 'A';
  comment: string | null;
  /** Triggers: the enabled states of its partitions' clones (triggers.ts). */
  clone_states?: string | null;
}

const ENABLED = { O: null, D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' } as const;

export function hookReader(
  kind: 'trigger' | 'rule',
  statement: FamilyStatement,
  family: FilterFamily,
  createOf: (row: HookRow) => string,
): FamilyReader {
  const keyword = kind.toUpperCase();
  return async (query, filter) => {
    const rows = await runFamily<HookRow>(query, statement, filter, family);
    return rows.map((row): CatalogObject => {
      const state = ENABLED[row.enabled];
      return {
        key: `${kind}:${row.qtable}.${row.qname}`,
        kind,
        schema: row.schema,
        name: row.name,
        definition: lines(
          createOf(row),
          state ? `ALTER TABLE ${row.qtable} ${state} ${keyword} ${row.qname};` : null,
          row.clone_states,
          row.comment,
        ),
      };
    });
  };
}

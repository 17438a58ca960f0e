// Event triggers: CREATE EVENT TRIGGER with its tag filter, enabled state
// and comment.
import type { CatalogObject, FamilyReader } from './family.js';
import { familyStatement, runFamily } from './statement.js';
import { commentLine, inFilter, lines, notExtensionMember, ownerLine } from './sql.js';

const SQL = `
SELECT v.evtname AS name, quote_ident(v.evtname) AS qname, quote_ident(v.evtevent) AS event,
  (SELECT string_agg(quote_literal(tag), ', ' ORDER BY ord) FROM unnest(v.evttags) WITH ORDINALITY AS t(tag, ord)) AS tags,
  v.evtfoid::regproc::text AS function, v.evtenabled AS enabled,
  ${commentLine(`'EVENT TRIGGER ' || quote_ident(v.evtname)`, 'pg_event_trigger', 'v.oid')} AS comment,
  ${ownerLine(`'EVENT TRIGGER ' || quote_ident(v.evtname)`, 'v.evtowner')} AS owner
FROM pg_event_trigger v
WHERE ${notExtensionMember('pg_event_trigger', 'v.oid')} AND ${inFilter('v.oid')}`;

const STATEMENT = familyStatement('event_triggers', SQL);

interface Row extends Record<string, unknown> {
  name: string;
  qname: string;
  event: string;
  tags: string | null;
  function: string;
  enabled: 'O' | 'D' | 'R' | 'A';
  comment: string | null;
  owner: string;
}

const ENABLED = { O: null, D: 'DISABLE', R: 'ENABLE REPLICA', A: 'ENABLE ALWAYS' } as const;

export const readEventTriggers: FamilyReader = async (query, filter) => {
  const rows = await runFamily<Row>(query, STATEMENT, filter, 'eventTriggers');
  return rows.map((row): CatalogObject => {
    const when = row.tags ? `\n  WHEN TAG IN (${row.tags})` : '';
    const state = ENABLED[row.enabled];
    return {
      key: `event_trigger:${row.qname}`,
      kind: 'event_trigger',
      schema: null,
      name: row.name,
      definition: lines(
        `CREATE EVENT TRIGGER ${row.qname} ON ${row.event}${when}\n  EXECUTE FUNCTION ${row.function}();`,
        state ? `ALTER EVENT TRIGGER ${row.qname} ${state};` : null,
        row.comment,
        row.owner,
      ),
    };
  });
};

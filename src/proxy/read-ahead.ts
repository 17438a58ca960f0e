// The snapshot of a block read inside it, just before its COMMIT goes
// (DESIGN.md, Exactness): the COMMIT and everything after it wait in the
// relay while pggit's own queries run on the session's connection, their
// answers diverted away from the client.
import type { TakenContent } from '../ddl/index.js';
import type { ReadAhead } from '../history/index.js';
import type { DdlWatching } from './context.js';
import { InjectedQueries } from './injected-queries.js';
import type { Relay } from './relay.js';
import type { SessionRoute } from './session-info.js';

/**
 * Starts the read when the relay can take it (the COMMIT is the first
 * message of the chunk being read, so nothing of the client's comes before
 * the read on the connection); undefined: read after the commit.
 */
export function readBeforeCommit(
  relay: Relay,
  read: NonNullable<DdlWatching['readBeforeCommit']>,
  content: TakenContent,
  route: SessionRoute,
): ReadAhead | undefined {
  if (!relay.clientMessageStartsChunk) return undefined;
  let queries: InjectedQueries | undefined;
  const diversion = relay.divertServer((chunk) => queries?.push(chunk));
  queries = new InjectedQueries(diversion.write, (message) => relay.sendToClient(message));
  const ahead = read(content, route, queries);
  if (ahead === undefined) {
    diversion.end();
    return undefined;
  }
  const answered = queries;
  // Not bounded like other holds: the COMMIT must not reach the server before the read's last answer.
  relay.holdClientBytes(
    ahead.settled.finally(() => answered.settled()).finally(diversion.end),
    true,
  );
  return ahead;
}

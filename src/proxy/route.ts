// Where a session goes: the branch the client asked for (`app@feature`,
// `-c pggit.branch=`), its physical database, and the StartupMessage to send
// upstream (the client's own bytes when nothing changes).
import { encodeStartupMessage, type ErrorToSend } from '../protocol/index.js';
import type { ConnectionErrorReason } from '../metrics/index.js';
import { branchRequest, MAIN_BRANCH, needsRewrite, upstreamParameters, type BranchDirectory, type BranchRequest } from '../branch/index.js';
import type { SessionInfo, SessionRoute } from './session-info.js';

export type Routed =
  | { readonly kind: 'routed'; readonly info: SessionInfo; readonly startup: Buffer }
  | { readonly kind: 'refused'; readonly error: ErrorToSend; readonly reason: ConnectionErrorReason | undefined };

export async function routeSession(info: SessionInfo, packet: Buffer, branches: BranchDirectory | undefined): Promise<Routed> {
  const asked = branchRequest(info.startup.parameters);
  if (asked.kind === 'error') {
    const reason = asked.sqlstate === '3D000' ? 'unknown_branch' : 'protocol_violation';
    return refused(asked.sqlstate, asked.message, reason);
  }
  const request = asked.request;
  let database = request.repository;
  if (request.branch !== MAIN_BRANCH) {
    const found = await lookupBranch(request, branches);
    if (found.kind === 'refused') return found;
    database = found.database;
  }
  const route: SessionRoute = { repository: request.repository, branch: request.branch, database };
  const routed = info.routedTo(route);
  const parameters = info.startup.parameters;
  if (!needsRewrite(parameters, request, database)) return { kind: 'routed', info: routed, startup: packet };
  const startup = encodeStartupMessage({
    protocolVersion: info.startup.protocolVersion,
    parameters: upstreamParameters(parameters, request, database),
  });
  return { kind: 'routed', info: routed, startup };
}

/** The route of a session (its database's main branch when the router did not place it). */
export function routeOf(info: SessionInfo): SessionRoute {
  return info.route ?? { repository: info.database, branch: MAIN_BRANCH, database: info.database };
}

async function lookupBranch(
  request: BranchRequest,
  directory: BranchDirectory | undefined,
): Promise<{ readonly kind: 'found'; readonly database: string } | Extract<Routed, { kind: 'refused' }>> {
  if (!directory) {
    const message = `branch "${request.branch}" of "${request.repository}" cannot be reached: branches need the metadata store (run the proxy with --store)`;
    return refused('3D000', message, 'unknown_branch');
  }
  try {
    const found = await directory.lookup(request.repository, request.branch);
    if (found) return { kind: 'found', database: found.database };
    const names = await directory.list(request.repository);
    const known = names.length > 0 ? names.join(', ') : 'none recorded yet';
    return refused('3D000', `branch "${request.branch}" of database "${request.repository}" does not exist; branches: ${known}`, 'unknown_branch');
  } catch (error) {
    const message = `pggit could not look up branch "${request.branch}": the metadata store did not answer (${(error as Error).message})`;
    return { kind: 'refused', error: { severity: 'FATAL', sqlstate: '08006', message }, reason: undefined };
  }
}

function refused(sqlstate: string, message: string, reason: ConnectionErrorReason): Extract<Routed, { kind: 'refused' }> {
  return { kind: 'refused', error: { severity: 'FATAL', sqlstate, message }, reason };
}

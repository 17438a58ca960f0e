// The proxy's upstream server: where it is and how TLS is negotiated with it
// (libpq's sslmode and friends, see store/server-connection.ts, which pggit's
// own pg connections share).
import type { Socket } from 'node:net';
import { connectServer, describeServer, serverTargetFromUrl, type ServerTarget } from '../store/index.js';

export type UpstreamTarget = ServerTarget;

/** From a postgres:// URL: host, port and TLS settings; clients bring user and database. */
export const upstreamFromUrl = serverTargetFromUrl;
export const describeUpstream = describeServer;

/** Resolves once connected and TLS negotiated; rejects on error or after timeoutMs. */
export function connectUpstream(target: UpstreamTarget, timeoutMs: number, clientUsedTls = false): Promise<Socket> {
  return connectServer(target, { timeoutMs, clientUsedTls });
}

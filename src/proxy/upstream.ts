// The proxy's upstream server: where it is and how TLS is negotiated with it
// (libpq's sslmode and friends, see store/server-connection.ts, which pggit's
// own pg connections share).
import type { OnReadOpts, Socket } from 'node:net';
import { connectServer, describeServer, openServerConnection, serverTargetFromUrl, type ServerConnection, type ServerTarget } from '../store/index.js';

export type UpstreamTarget = ServerTarget;

/** From a postgres:// URL: host, port and TLS settings; clients bring user and database. */
export const upstreamFromUrl = serverTargetFromUrl;
export const describeUpstream = describeServer;

/** Resolves once connected and TLS negotiated; rejects on error or after timeoutMs. */
export function connectUpstream(target: UpstreamTarget, timeoutMs: number): Promise<Socket> {
  return connectServer(target, { timeoutMs });
}

/** A client session's connection: TLS by the rule for TLS clients; `onread` (the relay's buffers) when no TLS is negotiated. */
export function connectSessionUpstream(target: UpstreamTarget, timeoutMs: number, clientUsedTls: boolean, onread: OnReadOpts): Promise<ServerConnection> {
  return openServerConnection(target, { timeoutMs, clientUsedTls, onread });
}

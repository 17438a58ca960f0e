// TLS towards clients: the proxy terminates it when given a certificate.
import { readFile } from 'node:fs/promises';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { Socket } from 'node:net';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export async function loadTlsContext(files: TlsFiles): Promise<SecureContext> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  return createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
}

/** Starts the server side of a handshake on a socket that just got 'S'. */
export function acceptTls(socket: Socket, context: SecureContext): TLSSocket {
  return new TLSSocket(socket, { isServer: true, secureContext: context });
}

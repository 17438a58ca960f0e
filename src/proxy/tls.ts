// TLS towards clients: the proxy terminates it when given a certificate,
// after an SSLRequest or directly (PostgreSQL 17's sslnegotiation=direct:
// the client opens with a TLS ClientHello naming ALPN "postgresql").
import { readFile } from 'node:fs/promises';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The ALPN protocol PostgreSQL 17 defines; a direct TLS connection must name it. */
export const POSTGRES_ALPN = 'postgresql';

/** The certificate in use; reload() swaps it for new sessions (SIGHUP), keeping the old one if the files are bad. */
export class ClientTls {
  private constructor(
    private readonly files: TlsFiles,
    private secureContext: SecureContext,
  ) {}

  static async load(files: TlsFiles): Promise<ClientTls> {
    return new ClientTls(files, await loadTlsContext(files));
  }

  get context(): SecureContext {
    return this.secureContext;
  }

  async reload(): Promise<void> {
    this.secureContext = await loadTlsContext(this.files);
  }
}

async function loadTlsContext(files: TlsFiles): Promise<SecureContext> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  return createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
}

/**
 * Starts the server side of a handshake on a socket that just got 'S', or
 * that opened with a ClientHello (direct). ALPN: a client that offers
 * protocols must offer "postgresql" (the handshake fails otherwise, as with
 * the server); a direct client must have offered it (checked by the caller
 * with alpnProtocol once secure).
 */
export function acceptTls(socket: Duplex, context: SecureContext): TLSSocket {
  return new TLSSocket(socket, {
    isServer: true,
    secureContext: context,
    ALPNCallback: ({ protocols }) => (protocols.includes(POSTGRES_ALPN) ? POSTGRES_ALPN : undefined),
  });
}

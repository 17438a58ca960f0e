// How pggit's connections to PostgreSQL use TLS, as libpq does: sslmode,
// sslrootcert, sslcert and sslkey from a postgres:// URL (the CLI folds
// PGSSLMODE and friends into the URL), the same defaults under
// ~/.postgresql/, and the same rule that a root certificate, once present,
// is checked even by `prefer` and `require`.
import { access, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface ServerTlsSettings {
  readonly mode: SslMode;
  /** A file of trusted CA certificates, or "system" for the platform's roots. */
  readonly rootCert?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** What a handshake needs: the mode and Node's TLS options (certificates read). */
export interface LoadedServerTls {
  readonly mode: SslMode;
  readonly options: ConnectionOptions;
}

/** The URL parameters libpq reads, and the environment variables behind them. */
export const TLS_URL_PARAMETERS = { sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY' } as const;

export class ServerTlsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerTlsError';
  }
}

export function serverTlsSettings(url: string): ServerTlsSettings {
  const params = new URL(url).searchParams;
  const mode = params.get('sslmode') || 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ServerTlsError(`invalid sslmode value: "${mode}" (one of ${SSL_MODES.join(', ')})`);
  }
  const settings: ServerTlsSettings = {
    mode: mode as SslMode,
    rootCert: params.get('sslrootcert') || undefined,
    cert: params.get('sslcert') || undefined,
    key: params.get('sslkey') || undefined,
  };
  if (settings.rootCert === 'system' && settings.mode !== 'verify-full') {
    throw new ServerTlsError(`weak sslmode "${settings.mode}" may not be used with sslrootcert=system (use "verify-full")`);
  }
  return settings;
}

/** Reads the certificate files once; fails for a verifying mode without a root certificate. */
export class ServerTls {
  private loaded: Promise<LoadedServerTls> | undefined;

  constructor(readonly settings: ServerTlsSettings) {}

  static fromUrl(url: string): ServerTls {
    return new ServerTls(serverTlsSettings(url));
  }

  get mode(): SslMode {
    return this.settings.mode;
  }

  load(): Promise<LoadedServerTls> {
    this.loaded ??= loadServerTls(this.settings);
    // A failed read is retried next time (the file may appear).
    this.loaded.catch(() => (this.loaded = undefined));
    return this.loaded;
  }
}

const postgresqlDir = (): string => join(homedir(), '.postgresql');

async function loadServerTls(settings: ServerTlsSettings): Promise<LoadedServerTls> {
  // Also read for disable and allow: a TLS client's session is carried over TLS all the same.
  const options: ConnectionOptions = { minVersion: 'TLSv1.2' };
  const rootCert = await rootCertificate(settings);
  if (rootCert === 'system') options.rejectUnauthorized = true;
  else if (rootCert) Object.assign(options, { ca: rootCert, rejectUnauthorized: true });
  else options.rejectUnauthorized = false;
  // verify-ca checks the chain only; verify-full also the host name.
  options.checkServerIdentity = settings.mode === 'verify-full' ? checkServerIdentity : () => undefined;
  const certFile = settings.cert ?? join(postgresqlDir(), 'postgresql.crt');
  if (settings.cert !== undefined || (await exists(certFile))) {
    const keyFile = settings.key ?? join(postgresqlDir(), 'postgresql.key');
    options.cert = await readTlsFile(certFile, 'client certificate');
    options.key = await readTlsFile(keyFile, 'private key');
  }
  return { mode: settings.mode, options };
}

async function rootCertificate(settings: ServerTlsSettings): Promise<Buffer | 'system' | undefined> {
  if (settings.rootCert === 'system') return 'system';
  const file = settings.rootCert ?? join(postgresqlDir(), 'root.crt');
  if (settings.rootCert !== undefined || (await exists(file))) return readTlsFile(file, 'root certificate');
  if (settings.mode === 'verify-ca' || settings.mode === 'verify-full') {
    throw new ServerTlsError(
      `root certificate file "${file}" does not exist; either provide the file (sslrootcert), ` +
        `use the system's trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification`,
    );
  }
  return undefined;
}

async function readTlsFile(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new ServerTlsError(`could not read ${what} file "${file}": ${(error as Error).message}`);
  }
}

function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

// A PostgreSQL server of its own with TLS on (ssl=on, certificates from
// makeCertificates), for the upstream TLS tests: the shared test server
// speaks clear text only, which the tests also need.
import { chown, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { eventually } from './activity.js';
import { LocalCluster, serverUser } from '../../src/cluster/index.js';
import { makeCertificates, type TestCertificates } from './tls-certs.js';
import { serverOwnedTempDir } from './private-server.js';

export const CERT_USER = 'pggit_cert';
/** Logs in with SCRAM-SHA-256 (the server offers channel binding over TLS). */
export const SCRAM_USER = { name: 'pggit_scram', password: 'scram-secret' };

export interface TlsServer {
  readonly cluster: LocalCluster;
  readonly certs: TestCertificates;
  stop(): Promise<void>;
}

/** Role CERT_USER must log in with a client certificate; everyone else is trusted, with or without TLS. */
export async function startTlsServer(): Promise<TlsServer> {
  const certs = await makeCertificates(CERT_USER);
  const baseDir = await serverOwnedTempDir('pggit-tls-');
  const user = await serverUser();
  // The server reads its key as its own account, and only a private one.
  const serverFiles = { cert: join(baseDir, 'server.crt'), key: join(baseDir, 'server.key'), ca: join(baseDir, 'ca.crt') };
  await copyFile(certs.serverCert, serverFiles.cert);
  await copyFile(certs.serverKey, serverFiles.key);
  await copyFile(certs.caCert, serverFiles.ca);
  if (user.switched) for (const path of Object.values(serverFiles)) await chown(path, user.uid, user.gid);
  const dataDir = join(baseDir, 'data');
  const cluster = await LocalCluster.start({
    dataDir,
    settings: { fsync: 'off', ssl: 'on', ssl_cert_file: serverFiles.cert, ssl_key_file: serverFiles.key, ssl_ca_file: serverFiles.ca },
  });
  const hba = join(dataDir, 'pg_hba.conf');
  const rules = [`hostssl all ${CERT_USER} 127.0.0.1/32 cert`, `host all ${CERT_USER} 127.0.0.1/32 reject`, `host all ${SCRAM_USER.name} 127.0.0.1/32 scram-sha-256`];
  await writeFile(hba, `${rules.join('\n')}\n${await readFile(hba, 'utf8')}`);
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${CERT_USER} LOGIN`);
    await admin.query("SET password_encryption = 'scram-sha-256'");
    await admin.query(`CREATE ROLE ${SCRAM_USER.name} LOGIN PASSWORD '${SCRAM_USER.password}'`);
    await admin.query('SELECT pg_reload_conf()');
  } finally {
    await admin.end();
  }
  await eventually(() => refusedInClear(cluster), (refused) => refused, 'the server to load the new pg_hba.conf');
  return {
    cluster,
    certs,
    stop: async () => {
      await cluster.stop();
      await rm(baseDir, { recursive: true, force: true });
      await rm(certs.dir, { recursive: true, force: true });
    },
  };
}

async function refusedInClear(cluster: LocalCluster): Promise<boolean> {
  const client = new pg.Client({ connectionString: cluster.url('postgres', CERT_USER) });
  try {
    await client.connect();
    return false;
  } catch {
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// A throwaway certificate authority made with the machine's openssl: a CA,
// a server certificate for "localhost" (DNS name only, so 127.0.0.1 fails a
// host name check), a client certificate, and an unrelated CA.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const openssl = (args: string[]): Promise<unknown> => promisify(execFile)('openssl', args);

export interface TestCertificates {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Signed by caCert for the given client user (CN). */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed none of the above. */
  readonly otherCaCert: string;
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeCertificates(clientUser: string): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'pggit-certs-'));
  const file = (name: string): string => join(dir, name);
  await selfSignedCa(file('ca'), 'pggit test CA');
  await selfSignedCa(file('other-ca'), 'some other CA');
  await signed(file('server'), 'localhost', file('ca'), 'subjectAltName=DNS:localhost');
  await signed(file('client'), clientUser, file('ca'), 'extendedKeyUsage=clientAuth');
  for (const key of ['ca.key', 'other-ca.key', 'server.key', 'client.key']) await chmod(file(key), 0o600);
  return {
    dir,
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    otherCaCert: file('other-ca.crt'),
  };
}

async function selfSignedCa(base: string, name: string): Promise<void> {
  await openssl(['req', '-x509', ...KEY, '-keyout', `${base}.key`, '-out', `${base}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
}

async function signed(base: string, commonName: string, ca: string, extension: string): Promise<void> {
  await openssl(['req', ...KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${commonName}`]);
  await writeFile(`${base}.ext`, `${extension}\n`);
  await openssl([
    'x509', '-req', '-in', `${base}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-out', `${base}.crt`, '-days', '2', '-extfile', `${base}.ext`,
  ]);
}

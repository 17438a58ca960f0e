// After the proxied run: the recorded head of `regression` (what `pggit
// schema --at HEAD` prints, read with the real command from the store the
// proxy wrote) replayed and compared with the live database (fidelity.ts),
// and the recorder's errors in the proxy's log.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { run } from './exec.js';
import { measureFidelity, type Fidelity } from './fidelity.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DATABASE = 'regression';

export interface RecordedFidelity {
  readonly fidelity: Fidelity;
  readonly recorderErrors: readonly string[];
}

interface Cluster {
  url(database?: string): string;
}

/** Lines the recorder logged at warning level or above (pino JSON, level >= 40). */
export function recorderErrors(log: string): string[] {
  const found: string[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { level?: number; msg?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if ((entry.level ?? 0) >= 40 && /record|catalog|snapshot|reconcil/i.test(entry.msg ?? '')) {
      found.push(`${entry.msg}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
    }
  }
  return found;
}

export async function recordedFidelity(cluster: Cluster, binDir: string, logFile: string): Promise<RecordedFidelity> {
  const schema = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/run.ts', 'schema', '--store', cluster.url('pggit'), '--db', DATABASE, '--at', 'HEAD'],
    { cwd: REPO, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' } },
  );
  if (schema.code !== 0) throw new Error(`pggit schema --at HEAD failed (exit ${schema.code}): ${schema.stderr.trim()}`);
  const fidelity = await measureFidelity({ binDir, adminUrl: cluster.url('postgres'), database: DATABASE }, schema.stdout);
  const log = await readFile(logFile, 'utf8').catch(() => '');
  return { fidelity, recorderErrors: recorderErrors(log) };
}

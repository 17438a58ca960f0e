// `pggit proxy` as a child process, the way a user runs it, with its own
// state directory (PGGIT_STATE_DIR) so that tests never see each other's.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../src/cluster/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly http: string;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

/** Starts the proxy (node with `nodeArgs`) and resolves once it logged "ready" and has looked at the upstream database once. */
export async function startProxyProcess(args: readonly string[], env: Readonly<Record<string, string>>, nodeArgs: readonly string[] = []): Promise<ProxyProcess> {
  const port = await freePort();
  const httpPort = await freePort();
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PG')));
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', join(ROOT, 'src', 'cli', 'run.ts'), 'proxy', '--listen', `127.0.0.1:${port}`, '--http', `127.0.0.1:${httpPort}`, '--log-level', 'debug', ...args],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...base, ...env } },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const firstReadDone = (): boolean => /"msg":"(recorded|reconciled: no difference)"/.test(stderr);
  for (;;) {
    if (stderr.includes('"msg":"ready"') && firstReadDone()) break;
    if (child.exitCode !== null) throw new Error(`pggit proxy exited:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    port,
    http: `http://127.0.0.1:${httpPort}`,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// What pg_regress talks to in the proxied run: the real pggit proxy, started
// with its own command line (`pggit proxy`, from source) as a separate
// process, or the bare relay for comparison.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/cluster/index.js';
import { startRelay } from './relay.js';

export interface Front {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly logFile: string | undefined;
  /** Why it stopped, if it stopped by itself. */
  death(): string | undefined;
  /** Resolves once the recorder has nothing queued (pggit only; the relay records nothing). */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export type FrontKind = 'pggit' | 'relay';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

export function startFront(kind: FrontKind, upstream: { host: string; port: number }, logFile: string): Promise<Front> {
  return kind === 'relay' ? startRelay(upstream) : startPggit(upstream, logFile);
}

async function startPggit(upstream: { host: string; port: number }, logFile: string): Promise<Front> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const httpPort = await freePort(host);
  const args = [
    '--import',
    'tsx',
    'src/cli/run.ts',
    'proxy',
    '--listen',
    `${host}:${port}`,
    '--upstream',
    `postgres://postgres@${upstream.host}:${upstream.port}/postgres`,
    '--drain-timeout',
    '0',
    '--http',
    `${host}:${httpPort}`,
    '--log-level',
    'info',
  ];
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let death: string | undefined;
  let closing = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!closing) death = `pggit proxy exited by itself (code ${code}, signal ${signal}); see ${logFile}`;
      resolve();
    }),
  );
  const front: Front = {
    name: `pggit proxy (node src/cli/run.ts proxy, pid ${child.pid})`,
    host,
    port,
    logFile,
    death: () => death,
    drained: () => recorderDrained(`http://${host}:${httpPort}/metrics`, () => death),
    close: async () => {
      closing = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepts(host, port))) {
    if (death !== undefined || Date.now() > deadline) {
      await front.close();
      throw new Error(death ?? `pggit proxy did not listen on ${host}:${port} within 30 s; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return front;
}

const DRAIN_TIMEOUT_MS = 30 * 60_000;

/** Polls /metrics until pggit_recorder_queue_depth reads 0 (the recorder wrote every queued commit). */
async function recorderDrained(metricsUrl: string, death: () => string | undefined): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const text = await fetch(metricsUrl).then((response) => response.text()).catch(() => '');
    const depths = [...text.matchAll(/^pggit_recorder_queue_depth(?:\{[^}]*\})? (\S+)$/gm)].map((m) => Number(m[1]));
    if (depths.length > 0 && depths.every((depth) => depth === 0)) return;
    if (death() !== undefined) throw new Error(death());
    if (Date.now() > deadline) throw new Error(`the recorder still had commits queued after 30 min (${metricsUrl})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

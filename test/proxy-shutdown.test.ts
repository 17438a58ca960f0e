// `pggit proxy` as an operator runs it: a child process that drains on
// SIGTERM and logs JSON lines with a session id on stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { freePort } from '../src/cluster/index.js';
import { eventually, uniqueAppName } from './harness/activity.js';
import { upstreamUrl } from './harness/proxy.js';
import { SocketBytes } from './harness/socket-bytes.js';

interface LogLine {
  readonly msg: string;
  readonly session?: string;
  readonly [field: string]: unknown;
}

interface ProxyProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  logs(): LogLine[];
  rawLines(): string[];
  /** Waits for a log line with this message. */
  waitForLog(msg: string): Promise<LogLine>;
  url(applicationName: string): string;
}

const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

async function startProxyProcess(drainSeconds: number): Promise<ProxyProcess> {
  const port = await freePort();
  const args = ['--import', 'tsx', 'src/cli/run.ts', 'proxy', '--listen', `127.0.0.1:${port}`];
  // No HTTP endpoint: its default port would clash between parallel runs.
  args.push('--upstream', upstreamUrl(), '--drain-timeout', String(drainSeconds), '--http', 'off');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const rawLines = (): string[] => stderr.split('\n').filter((line) => line.startsWith('{'));
  const logs = (): LogLine[] => rawLines().map((line) => JSON.parse(line) as LogLine);
  const waitForLog = (msg: string): Promise<LogLine> =>
    eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`pggit proxy exited with ${child.exitCode}:\n${stderr}`);
        return logs().find((line) => line.msg === msg);
      },
      (line) => line !== undefined,
      `log "${msg}"`,
      20_000,
    ) as Promise<LogLine>;
  const user = decodeURIComponent(new URL(upstreamUrl()).username || 'postgres');
  const url = (app: string): string => `postgres://${user}@127.0.0.1:${port}/postgres?application_name=${app}`;
  const proxy = { child, port, exited, logs, rawLines, waitForLog, url };
  await waitForLog('ready');
  return proxy;
}

/** A CancelRequest for client's session, sent to port. */
function sendCancel(port: number, client: pg.Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(serialize.cancel(processID, secretKey)));
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('pggit proxy shutdown', () => {
  it('on SIGTERM refuses new connections, lets an open session finish, then exits 0', async () => {
    const proxy = await startProxyProcess(30);
    const client = new pg.Client({ connectionString: proxy.url(uniqueAppName('draining')) });
    await client.connect();
    proxy.child.kill('SIGTERM');
    await proxy.waitForLog('draining: no new connections');
    expect(await connectionRefused(proxy.port)).toBe(true);
    const { rows } = await client.query('SELECT 21 * 2 AS n');
    expect(rows[0].n).toBe(42);
    expect(proxy.child.exitCode).toBeNull();
    await client.end();
    expect(await proxy.exited).toBe(0);
  });

  it('ends a session still open after the drain timeout with FATAL 57P01, then exits 0', async () => {
    const proxy = await startProxyProcess(0.3);
    const client = new pg.Client({ connectionString: proxy.url(uniqueAppName('drain-timeout')) });
    // The FATAL error arrives while idle, so node-postgres emits it (then "Connection terminated").
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    proxy.child.kill('SIGTERM');
    await eventually(async () => errors.length, (n) => n > 0, 'an error on the idle client');
    expect(errors[0]).toMatchObject({ code: '57P01', severity: 'FATAL' });
    expect(errors[0]?.message).toContain('shutting down');
    expect(await proxy.exited).toBe(0);
  });

  it('ends a session whose client never closes its side when the drain timeout passes, then exits 0', async () => {
    const proxy = await startProxyProcess(0.3);
    // Like psql idle at its prompt: it reads nothing and so never notices the server closing.
    const socket = await SocketBytes.connect(proxy.port, { allowHalfOpen: true });
    socket.socket.write(serialize.startup({ user: 'postgres', database: 'postgres' }));
    const ready = await socket.waitForMessage((m) => m.name === 'readyForQuery');
    const offset = socket.bytes().length;
    proxy.child.kill('SIGTERM');
    expect(await socket.waitForMessage((m) => m.name === 'error', offset)).toMatchObject({ code: '57P01' });
    expect(ready.name).toBe('readyForQuery');
    expect(await proxy.exited).toBe(0);
    socket.socket.destroy();
  });

  it('writes JSON log lines on stderr with a "session" field per client connection', async () => {
    const proxy = await startProxyProcess(5);
    const app = uniqueAppName('logged');
    const client = new pg.Client({ connectionString: proxy.url(app) });
    await client.connect();
    await sendCancel(proxy.port, client);
    await client.end();
    const started = await proxy.waitForLog('session started');
    expect(started).toMatchObject({ user: 'postgres', database: 'postgres', application: app });
    expect(typeof started.session).toBe('string');
    await eventually(
      async () => proxy.logs().filter((line) => line.msg === 'session ended').map((line) => line.session),
      (sessions) => sessions.includes(started.session),
      'the end of the session to be logged',
    );
    const cancel = await proxy.waitForLog('forwarding cancel request');
    const backendPid = (client as unknown as { processID: number }).processID;
    expect(cancel).toMatchObject({ pid: proxy.child.pid, backendPid });
    expect(cancel.session).not.toBe(started.session);
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
    // A field written twice in one line is a line most log pipelines read wrong.
    for (const line of proxy.rawLines()) expect(line.match(/"pid":/g) ?? [], line).toHaveLength(1);
  });
});

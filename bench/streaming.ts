// Big messages through each path: a 100 MB COPY out and a 50 MB row, read by
// a bare socket client that only follows message lengths (so the client is
// never the bottleneck), and a 15 MB Query sent (bulk INSERTs look like
// that). Interleaved rounds, median MB/s, and pggit against the bare relay:
// pggit must stream, and what it holds back it must join once.
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import { BackendCode, FrameTracker, captureTable } from '../src/protocol/index.js';
import { median } from './summary.js';
import type { LoopTarget } from './rounds.js';

export const STREAMS = {
  'copy-out-100MB': "COPY (SELECT i, repeat('x', 1000) FROM generate_series(1, 100000) AS i) TO STDOUT",
  'row-50MB': "SELECT repeat('x', 50 * 1024 * 1024)",
  'query-in-15MB': `SELECT length('${'x'.repeat(15 * 1024 * 1024)}')`,
} as const;
export type StreamName = keyof typeof STREAMS;

export interface StreamResult {
  readonly path: string;
  readonly stream: StreamName;
  readonly megabytesPerSecond: readonly number[];
  readonly medianMegabytesPerSecond: number;
}

/** Connects, authenticates (trust), runs `sql` and resolves with the bytes of its reply and the seconds it took. */
async function timedQuery(target: LoopTarget, user: string, database: string, sql: string): Promise<{ bytes: number; seconds: number }> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(target.port, target.host, () => resolve(s));
    s.once('error', reject);
  });
  try {
    let ready = 0;
    let failure: string | undefined;
    const tracker = new FrameTracker({
      capture: captureTable([
        [BackendCode.ReadyForQuery, 1],
        [BackendCode.ErrorResponse, 1024],
      ]),
      sink: {
        onMessage: (code, bytes, start, end) => {
          if (code === BackendCode.ReadyForQuery) ready++;
          else failure = bytes.toString('utf8', start, end).replace(/\0/g, ' ');
        },
      },
    });
    let bytes = 0;
    let started = 0;
    const done = new Promise<number>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        if (started > 0) bytes += chunk.length;
        tracker.push(chunk);
        if (failure) reject(new Error(`${target.name}: ${failure}`));
        else if (ready === 1 && started === 0) {
          started = performance.now();
          socket.write(serialize.query(sql));
        } else if (ready === 2) resolve(performance.now());
      });
      socket.once('close', () => reject(new Error(`${target.name} closed the connection`)));
    });
    socket.write(serialize.startup({ user, database }));
    const end = await done;
    // MB/s of the direction that moved the bulk: the reply, or the statement sent.
    return { bytes: Math.max(bytes, Buffer.byteLength(sql)), seconds: (end - started) / 1000 };
  } finally {
    socket.destroy();
  }
}

export async function benchStreaming(
  targets: readonly LoopTarget[],
  options: { readonly user: string; readonly database: string; readonly rounds: number },
  log: (message: string) => void,
): Promise<StreamResult[]> {
  const samples = new Map<string, number[]>();
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of targets) {
      for (const [stream, sql] of Object.entries(STREAMS) as [StreamName, string][]) {
        const { bytes, seconds } = await timedQuery(target, options.user, options.database, sql);
        const rate = bytes / 1e6 / seconds;
        log(`streaming round ${round}/${options.rounds} ${target.name} ${stream}: ${(bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(2)} s, ${rate.toFixed(0)} MB/s`);
        const key = `${target.name}\0${stream}`;
        samples.set(key, [...(samples.get(key) ?? []), rate]);
      }
    }
  }
  return [...samples].map(([key, rates]) => {
    const [path, stream] = key.split('\0') as [string, StreamName];
    return { path, stream, megabytesPerSecond: rates, medianMegabytesPerSecond: median(rates) };
  });
}

export function formatStreaming(results: readonly StreamResult[]): string {
  const lines = ['big results (median MB/s of the reply, bare socket client):'];
  for (const stream of Object.keys(STREAMS) as StreamName[]) {
    const of = (path: string) => results.find((r) => r.path === path && r.stream === stream)?.medianMegabytesPerSecond;
    for (const r of results.filter((x) => x.stream === stream)) {
      lines.push(`  ${stream.padEnd(15)} ${r.path.padEnd(14)} ${r.medianMegabytesPerSecond.toFixed(0).padStart(6)} MB/s`);
    }
    const pggit = of('pggit');
    const relay = of('relay');
    if (pggit !== undefined && relay !== undefined) {
      const ratio = pggit / relay;
      lines.push(`  ${stream.padEnd(15)} pggit/relay    ${ratio.toFixed(3)}   (target >= 0.9: ${ratio >= 0.9 ? 'met' : 'NOT met'})`);
    }
  }
  return lines.join('\n');
}

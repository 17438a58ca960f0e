// pggit's own work per transaction, without sockets: the bytes of a pgbench
// -S transaction (simple, extended, prepared) pushed through both frame
// trackers into the traffic observer, with the DDL watcher, the zero-downtime
// guard and metrics on (and, for comparison, with the guard off),
// as the relay does for every chunk. CPU time of this one thread, so it is
// far less sensitive to a busy machine than the end-to-end runs; it says how
// much of pggit's CPU per transaction is its own code rather than Node's
// socket machinery and the kernel.
import { Registry } from 'prom-client';
import { serialize } from 'pg-protocol';
import { BackendCode, FRONTEND_CODES, FrameTracker } from '../src/protocol/index.js';
import { ProxyMetrics } from '../src/metrics/index.js';
import { TransactionTracker } from '../src/ddl/index.js';
import { BACKEND_CAPTURE, TrafficObserver, WATCHER_FRONTEND_CAPTURE } from '../src/proxy/traffic-observer.js';
import { SessionGuard } from '../src/proxy/guard/session-guard.js';
import { TableSizes } from '../src/proxy/guard/table-sizes.js';
import { DEFAULT_GUARD_POLICY } from '../src/proxy/index.js';
import { pino } from 'pino';
import type { QueryMode } from './options.js';

export interface HotPathResult {
  readonly mode: QueryMode;
  readonly guard: boolean;
  /** CPU ns per transaction (user + system of this thread's process; it runs alone). */
  readonly nsPerTransaction: number;
  readonly transactions: number;
}

const SQL = 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;';

function message(code: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = code;
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function reply(withParseBind: 'parse' | 'bind' | 'none'): Buffer {
  // Name, then table oid, column, type oid, length, modifier, format: zeros are as good as any.
  const field = Buffer.concat([Buffer.from('abalance\0'), Buffer.alloc(18)]);
  const rowDescription = message(BackendCode.RowDescription, Buffer.concat([Buffer.from([0, 1]), field]));
  const value = Buffer.from('-2981');
  const cell = Buffer.alloc(6);
  cell.writeInt16BE(1, 0);
  cell.writeInt32BE(value.length, 2);
  const dataRow = message(BackendCode.DataRow, Buffer.concat([cell, value]));
  const parts = [
    ...(withParseBind === 'parse' ? [message(BackendCode.ParseComplete, Buffer.alloc(0))] : []),
    ...(withParseBind !== 'none' ? [message(BackendCode.BindComplete, Buffer.alloc(0))] : []),
    rowDescription,
    dataRow,
    message(BackendCode.CommandComplete, Buffer.from('SELECT 1\0')),
    message(BackendCode.ReadyForQuery, Buffer.from('I')),
  ];
  return Buffer.concat(parts);
}

function request(mode: QueryMode, aid: number): Buffer {
  if (mode === 'simple') return serialize.query(SQL.replace('$1', String(aid)));
  const bind = serialize.bind({ statement: mode === 'prepared' ? 'P0_1' : '', values: [String(aid)] });
  const rest = [bind, serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()];
  return Buffer.concat(mode === 'extended' ? [serialize.parse({ text: SQL }), ...rest] : rest);
}

/** pgbench's statements are not DDL: the guard must never reach its table sizes or the relay. */
function unreachable(): never {
  throw new Error('the guard went past its pre-filter on a SELECT');
}

/** A session guard with the default policy whose every way out (sizes, relay) throws: for statements that must not go past its pre-filter. */
export function benchGuard(): SessionGuard {
  const shared = { policy: DEFAULT_GUARD_POLICY, sizes: new TableSizes(unreachable, 60_000), poolFor: unreachable, metrics: undefined };
  const hooks = { user: 'postgres', database: 'bench', application: () => 'pgbench', backendPid: () => 1, gate: unreachable, sendToClient: unreachable, holdReply: unreachable, replaceServerMessage: unreachable, startupSearchPath: undefined };
  return new SessionGuard(shared, hooks, pino({ level: 'silent' }));
}

function session(guard: boolean): { frontend: FrameTracker; backend: FrameTracker } {
  const observer = new TrafficObserver({
    onBackendKeyData: () => undefined,
    onAuthenticated: () => undefined,
    onClientTerminate: () => undefined,
    onFatalError: () => undefined,
  });
  const metrics = new ProxyMetrics(new Registry(), { defaultMetrics: false });
  observer.attachMetrics(metrics.session({ database: 'bench', branch: 'main', application: 'pgbench' }));
  const info = { user: 'postgres', database: 'bench', applicationName: 'pgbench', clientAddress: '127.0.0.1' };
  observer.attachTracker(new TransactionTracker({ session: info, onChangeSet: () => undefined }));
  if (guard) observer.attachGuard(benchGuard());
  return {
    frontend: new FrameTracker({ capture: WATCHER_FRONTEND_CAPTURE, validCodes: FRONTEND_CODES, sink: observer.frontend }),
    backend: new FrameTracker({ capture: BACKEND_CAPTURE, sink: observer.backend }),
  };
}

export function benchHotPath(mode: QueryMode, transactions = 200_000, guard = true): HotPathResult {
  const { frontend, backend } = session(guard);
  // A few distinct requests, like pgbench's random aids; a named statement is parsed once.
  const requests = Array.from({ length: 64 }, (_, i) => request(mode, 1000 + i * 7919));
  if (mode === 'prepared') {
    frontend.push(Buffer.concat([serialize.parse({ name: 'P0_1', text: SQL }), serialize.sync()]));
    backend.push(Buffer.concat([message(BackendCode.ParseComplete, Buffer.alloc(0)), message(BackendCode.ReadyForQuery, Buffer.from('I'))]));
  }
  const answer = reply(mode === 'simple' ? 'none' : mode === 'extended' ? 'parse' : 'bind');
  const run = (count: number) => {
    for (let i = 0; i < count; i++) {
      frontend.push(requests[i & 63]!);
      backend.push(answer);
    }
  };
  run(20_000); // warm-up: let the JIT settle
  const before = process.cpuUsage();
  run(transactions);
  const used = process.cpuUsage(before);
  return { mode, guard, nsPerTransaction: ((used.user + used.system) * 1000) / transactions, transactions };
}

export function formatHotPath(results: readonly HotPathResult[]): string {
  const lines = results.map((r) => `  ${r.mode.padEnd(9)} ${r.guard ? 'guard on ' : 'guard off'} ${r.nsPerTransaction.toFixed(0).padStart(6)} ns CPU per transaction`);
  return ['pggit hot path without sockets (frame trackers + observer + DDL watcher + guard + metrics, pgbench -S bytes):', ...lines].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const mode of ['simple', 'extended', 'prepared'] as const) console.log(formatHotPath([benchHotPath(mode, 200_000, false), benchHotPath(mode)]));
}

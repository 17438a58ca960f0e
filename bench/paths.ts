// Every path the benchmark knows, in report order. A new variant is one line.
import { DIRECT, directPath } from './direct-path.js';
import type { BenchPath } from './path.js';
import { pgbouncerPath } from './pgbouncer-path.js';
import { pggitPath } from './pggit-path.js';
import { relayPath } from './relay-path.js';

export const ALL_PATHS: readonly BenchPath[] = [
  directPath,
  pggitPath('pggit', 'pggit proxy, default settings'),
  relayPath('relay', 'pipe', 'bare Node relay, socket.pipe both ways'),
  relayPath('relay-onread', 'onread', 'bare Node relay, server reads into a reused buffer (onread)'),
  relayPath('relay-raw', 'onread-both', 'bare Node relay, onread both ways (moves an internal _handle)'),
  relayPath('relay-handle', 'raw-handle', 'bare Node relay on the TCP handles (onread into one buffer, writeBuffer; Node internals)'),
  relayPath('relay-c', 'native-thread', 'C relay in the Node process (addon, epoll thread): JS sees no bytes'),
  relayPath('relay-c-uv', 'native-uv', "C relay on Node's own loop (addon, libuv poll handles): JS sees no bytes"),
  relayPath('relay-c-js', 'native-uv-js', 'relay-c-uv, and JS called once per read holding a message pggit reads (its first 64 bytes)'),
  pgbouncerPath,
  pggitPath('pggit-metrics-off', 'pggit with metrics off', ['--metrics', 'off']),
  pggitPath('pggit-ddl-off', 'pggit with the DDL watcher off', ['--ddl', 'off']),
  pggitPath('pggit-store-off', 'pggit with no metadata store (nothing recorded, so no watcher)', ['--store', 'off']),
  pggitPath('pggit-guard-off', 'pggit with the zero-downtime guard off', ['--guard', 'off']),
  pggitPath('pggit-bare', 'pggit with watcher, guard, metrics and store off', ['--ddl', 'off', '--guard', 'off', '--metrics', 'off', '--store', 'off']),
];

/** Run when no --paths are given; the pggit variants are there to find where time goes. */
const DEFAULT_PATHS = ['pggit', 'relay', 'relay-onread', 'relay-raw', 'relay-handle', 'relay-c', 'pgbouncer'];

/** The selected paths; direct always comes first, the baseline of every ratio. */
export function selectPaths(names: readonly string[] | undefined): BenchPath[] {
  if (!names) return selectPaths(DEFAULT_PATHS);
  const unknown = names.filter((name) => !ALL_PATHS.some((path) => path.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown path(s) ${unknown.join(', ')}; known: ${ALL_PATHS.map((path) => path.name).join(', ')}`);
  }
  return ALL_PATHS.filter((path) => path.name === DIRECT || names.includes(path.name));
}

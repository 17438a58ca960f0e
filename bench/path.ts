// A benchmark path: one way for pgbench to reach the server. Adding a path
// (a proxy variant with a feature off, say) is one entry in paths.ts.
import type { ServerUser } from '../src/cluster/index.js';

export interface PathContext {
  /** The PostgreSQL server under test. */
  readonly upstream: { readonly host: string; readonly port: number; readonly user: string; readonly database: string };
  /** A private temp dir for configs and logs (owned by serverUser when switched). */
  readonly workDir: string;
  readonly serverUser: ServerUser;
  /** pgbench clients: proxies with pools must allow at least this many. */
  readonly clients: number;
  readonly log: (message: string) => void;
}

export interface RunningPath {
  readonly host: string;
  readonly port: number;
  /** The proxy's process, to measure its CPU time; undefined for direct. */
  readonly pid?: number | undefined;
  /** The proxy's Prometheus endpoint, when it has one. */
  readonly metricsUrl?: string | undefined;
  /** Extra facts for the report (binary, runner, version). */
  readonly details?: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface BenchPath {
  readonly name: string;
  readonly description: string;
  /** A reason to skip this path on this machine, or undefined when it can run. */
  unavailable?(): Promise<string | undefined>;
  start(context: PathContext): Promise<RunningPath>;
}

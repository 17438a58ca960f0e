// The proxy's memory after a full garbage collection, with nothing in the
// proxy's code for it: the child runs with Node's own `--heapsnapshot-signal`,
// and writing a heap snapshot collects all garbage first. The snapshot is
// written on the proxy's main thread, so once its file exists, the next
// /metrics answer comes after the snapshot (and the collection) is done.
import type { ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { parseMetrics, total } from '../../bench/scrape.js';

export const SNAPSHOT_SIGNAL = 'SIGUSR2';

/** The node options that make `collectedMemory` work on a proxy child. */
export function snapshotNodeArgs(dir: string): string[] {
  return [`--heapsnapshot-signal=${SNAPSHOT_SIGNAL}`, `--diagnostic-dir=${dir}`];
}

export interface CollectedMemory {
  readonly heapUsedBytes: number;
  /** Memory of Buffers and other objects outside the heap (a leaked Buffer shows here, its wrapper in heapUsed). */
  readonly externalBytes: number;
  readonly rssBytes: number;
  /** The heap snapshot file (for a diff of what grew). */
  readonly snapshot: string;
}

/** A kept-alive connection may be closed by the server just as the snapshot ends: ask on a new one. */
function metricsOnNewConnection(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${url}: HTTP ${response.statusCode}`))));
    }).on('error', reject);
  });
}

const snapshots = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((name) => name.endsWith('.heapsnapshot'));

export async function collectedMemory(child: ChildProcess, dir: string, http: string): Promise<CollectedMemory> {
  const before = new Set(await snapshots(dir));
  child.kill(SNAPSHOT_SIGNAL);
  let written: string | undefined;
  for (let waited = 0; !written; waited += 50) {
    if (waited > 120_000) throw new Error(`no heap snapshot in ${dir} after ${SNAPSHOT_SIGNAL}`);
    if (child.exitCode !== null) throw new Error(`the proxy exited (${child.exitCode}) instead of writing a heap snapshot`);
    written = (await snapshots(dir)).find((name) => !before.has(name));
    if (!written) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const samples = parseMetrics(await metricsOnNewConnection(`${http}/metrics`));
  return {
    heapUsedBytes: total(samples, 'nodejs_heap_size_used_bytes'),
    externalBytes: total(samples, 'nodejs_external_memory_bytes'),
    rssBytes: total(samples, 'process_resident_memory_bytes'),
    snapshot: join(dir, written),
  };
}

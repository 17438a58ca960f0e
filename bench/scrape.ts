// Reads a proxy's /metrics (Prometheus text format) for the few numbers the
// DDL benchmark reports: counters summed over labels, histogram buckets, and
// quantiles of the difference between two scrapes (as histogram_quantile).

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export type Scrape = readonly Sample[];

export async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return parseMetrics(await response.text());
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) labels[name!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a family's samples whose labels include every given label. */
export function total(samples: Scrape, name: string, where: Readonly<Record<string, string>> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Cumulative bucket counts by upper bound, ascending (+Inf last). */
export function buckets(samples: Scrape, histogram: string): Array<[number, number]> {
  const byBound = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${histogram}_bucket`) continue;
    const bound = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
    byBound.set(bound, (byBound.get(bound) ?? 0) + s.value);
  }
  return [...byBound].sort((a, b) => a[0] - b[0]);
}

/**
 * The q-quantile of the observations made between two scrapes, interpolated
 * linearly inside its bucket like PromQL's histogram_quantile; undefined
 * when nothing was observed. Past the last finite bound: that bound.
 * `zeros` counts events that were never observed because their value was 0
 * (a ReadyForQuery that was not held at all).
 */
export function quantileBetween(before: Scrape, after: Scrape, histogram: string, q: number, zeros = 0): number | undefined {
  const earlier = new Map(buckets(before, histogram));
  const delta: Array<readonly [number, number]> = [[0, zeros]];
  for (const [bound, count] of buckets(after, histogram)) delta.push([bound, count - (earlier.get(bound) ?? 0) + zeros]);
  const count = delta.at(-1)?.[1] ?? 0;
  if (count <= 0) return undefined;
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, cumulative] of delta) {
    if (cumulative >= rank) {
      if (bound === Infinity) return lowerBound;
      const inBucket = cumulative - lowerCount;
      return inBucket === 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bound;
    lowerCount = cumulative;
  }
  return lowerBound;
}

// The DDL pre-filter micro-benchmark (issue 4) lives in bench/prefilter.ts,
// written separately; run it when it exists and exports benchPrefilter().
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MODULE = fileURLToPath(new URL('./prefilter.ts', import.meta.url));

export type PrefilterOutcome =
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'ran'; readonly result: unknown }
  | { readonly status: 'failed'; readonly error: string };

export async function runPrefilterBench(): Promise<PrefilterOutcome> {
  if (!existsSync(MODULE)) return { status: 'skipped', reason: 'bench/prefilter.ts does not exist yet' };
  try {
    // A computed specifier: the module may not exist when this file is type-checked.
    const loaded = (await import(pathToFileURL(MODULE).href)) as Record<string, unknown>;
    const bench = loaded['benchPrefilter'];
    if (typeof bench !== 'function') return { status: 'skipped', reason: 'bench/prefilter.ts exports no benchPrefilter()' };
    return { status: 'ran', result: await (bench as () => unknown)() };
  } catch (error) {
    return { status: 'failed', error: (error as Error).stack ?? String(error) };
  }
}

export function formatPrefilter(outcome: PrefilterOutcome): string {
  switch (outcome.status) {
    case 'skipped':
      return `prefilter micro-benchmark skipped: ${outcome.reason}`;
    case 'failed':
      return `prefilter micro-benchmark failed:\n${outcome.error}`;
    case 'ran':
      if (outcome.result === undefined) return 'prefilter micro-benchmark: done (its output is above)';
      return typeof outcome.result === 'string'
        ? `prefilter micro-benchmark:\n${outcome.result}`
        : `prefilter micro-benchmark:\n${JSON.stringify(outcome.result, null, 2)}`;
  }
}

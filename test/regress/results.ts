// Reading pg_regress's per-test verdicts and comparing two runs. Pure.

export type Verdict = 'ok' | 'failed' | 'ignored';

/** Test name -> verdict, in the order the tests ran. */
export type Verdicts = ReadonlyMap<string, Verdict>;

/**
 * PostgreSQL 15 prints one line per test:
 *   "test tablespace                   ... ok          523 ms"
 *   "     boolean                      ... FAILED       85 ms"
 *   "     random                       ... failed (ignored)  12 ms"
 * older and newer versions differ only in spacing and "ok"/"not ok" prefixes,
 * which the pattern tolerates.
 */
const LINE = /^(?:(?:not )?ok \d+\s+[-+]?\s*|test\s+|\s+)(\S+)\s+\.\.\.\s+(ok|FAILED|failed \(ignored\))/;
const TAP_LINE = /^(not ok|ok) \d+\s+[-+]\s+(\S+)\s+\d+ ms(?: # SKIP.*)?$/;

export function parseVerdicts(log: string): Verdicts {
  const verdicts = new Map<string, Verdict>();
  for (const line of log.split('\n')) {
    const match = LINE.exec(line);
    if (match?.[1] && match[2]) {
      verdicts.set(match[1], match[2] === 'ok' ? 'ok' : match[2] === 'FAILED' ? 'failed' : 'ignored');
      continue;
    }
    const tap = TAP_LINE.exec(line);
    if (tap?.[1] && tap[2]) verdicts.set(tap[2], tap[1] === 'ok' ? 'ok' : 'failed');
  }
  return verdicts;
}

export function failures(verdicts: Verdicts): string[] {
  return [...verdicts].filter(([, verdict]) => verdict === 'failed').map(([name]) => name);
}

export interface Comparison {
  /** Failed through the proxy, passed (or was ignored) directly. */
  readonly proxiedOnly: string[];
  /** Ran directly but has no verdict through the proxy (the run broke off). */
  readonly missing: string[];
  /** Failed both ways: the environment, not the proxy. */
  readonly both: string[];
  /** Failed directly but passed through the proxy (flaky tests). */
  readonly directOnly: string[];
}

export function compare(direct: Verdicts, proxied: Verdicts): Comparison {
  const failedDirect = new Set(failures(direct));
  const failedProxied = new Set(failures(proxied));
  return {
    proxiedOnly: [...failedProxied].filter((name) => !failedDirect.has(name)),
    missing: [...direct.keys()].filter((name) => !proxied.has(name)),
    both: [...failedProxied].filter((name) => failedDirect.has(name)),
    directOnly: [...failedDirect].filter((name) => !failedProxied.has(name)),
  };
}

/** The regression.diffs section of each failed test: "diff -U3 .../expected/x.out .../results/x.out" onwards. */
export function splitDiffs(diffs: string): Map<string, string> {
  const sections = new Map<string, string>();
  const starts = [...diffs.matchAll(/^diff .*\/results\/([^/\s]+)\.out\s*$/gm)];
  starts.forEach((match, i) => {
    const name = match[1];
    if (!name || match.index === undefined) return;
    const end = starts[i + 1]?.index ?? diffs.length;
    sections.set(name, (sections.get(name) ?? '') + diffs.slice(match.index, end));
  });
  return sections;
}

/** How the guard's warnings start (src/proxy/guard/verdicts.ts), as psql prints them. */
const GUARD_WARNING = /^\+WARNING: {2}pggit guard warning: /;

/**
 * The number of guard warnings a test's diff consists of, when it adds
 * nothing else: no line removed, and every run of added lines starts with
 * one (its DETAIL and HINT lines follow it). Undefined for any other
 * difference. With `--guard warn` (the default) the proxy warns about DDL
 * on big tables, which psql prints into the test's output.
 */
export function onlyGuardWarnings(diff: string): number | undefined {
  let warnings = 0;
  let inRun = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('-')) return undefined;
    if (!line.startsWith('+')) {
      inRun = false;
      continue;
    }
    if (GUARD_WARNING.test(line)) warnings += 1;
    else if (!inRun) return undefined;
    inRun = true;
  }
  return warnings > 0 ? warnings : undefined;
}

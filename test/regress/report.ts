// Printing the two runs side by side and the per-test diffs of failures.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { say, seconds } from './log.js';
import type { RegressRun } from './pg-regress.js';
import type { RecordedFidelity } from './recorded.js';
import { failures, splitDiffs, type Comparison, type Verdicts } from './results.js';

export interface ReportedRun {
  readonly run: RegressRun;
  readonly target: string;
  readonly verdicts: Verdicts;
}

export function printSummary(runs: readonly ReportedRun[]): void {
  for (const { run, target, verdicts } of runs) {
    const failed = failures(verdicts).length;
    say(
      `${run.label.padEnd(8)} ${String(verdicts.size).padStart(4)} tests, ${String(failed).padStart(3)} failed, ` +
        `${seconds(run.durationMs).padStart(8)}  via ${target}; output ${run.outputDir}`,
    );
  }
}

/** Issue 15: the suite through pggit takes at most this times its direct time. */
const WALL_TIME_GOAL = 1.3;

/** pg_regress wall times both ways and their ratio (the cost of the proxy on schema-heavy traffic). */
export function printWallTimes(direct: ReportedRun, proxied: ReportedRun): void {
  const ratio = proxied.run.durationMs / Math.max(1, direct.run.durationMs);
  const verdict = ratio <= WALL_TIME_GOAL ? 'met' : 'NOT met';
  say(
    `wall time: direct ${seconds(direct.run.durationMs)}, proxied ${seconds(proxied.run.durationMs)}, ` +
      `ratio ${ratio.toFixed(2)} (goal <= ${WALL_TIME_GOAL}: ${verdict})`,
  );
}

export function printTable(direct: Verdicts, proxied: Verdicts, comparison: Comparison): void {
  const rows = [...new Set([...failures(direct), ...failures(proxied), ...comparison.missing])];
  if (rows.length === 0) {
    say('no test failed in either run');
    return;
  }
  const width = Math.max(4, ...rows.map((name) => name.length));
  say(`${'test'.padEnd(width)}  direct   proxied`);
  for (const name of rows) {
    const note = comparison.proxiedOnly.includes(name) || comparison.missing.includes(name) ? '  <- proxied only' : '';
    say(`${name.padEnd(width)}  ${(direct.get(name) ?? '-').padEnd(7)}  ${(proxied.get(name) ?? 'missing').padEnd(7)}${note}`);
  }
}

/**
 * Splits regression.diffs into <outputDir>/diffs/<test>.diff and returns the
 * file of each failed test.
 */
export async function writeDiffFiles(run: RegressRun): Promise<Map<string, string>> {
  const diffs = await readFile(join(run.outputDir, 'regression.diffs'), 'utf8').catch(() => '');
  const files = new Map<string, string>();
  const sections = splitDiffs(diffs);
  if (sections.size === 0) return files;
  const dir = join(run.outputDir, 'diffs');
  await mkdir(dir, { recursive: true });
  for (const [name, text] of sections) {
    const file = join(dir, `${name}.diff`);
    await writeFile(file, text);
    files.set(name, file);
  }
  return files;
}

export async function printDiffHead(file: string, lines = 60): Promise<void> {
  const text = await readFile(file, 'utf8');
  const all = text.split('\n');
  for (const line of all.slice(0, lines)) {
    const shown = line.length > 200 ? `${line.slice(0, 200)}... (${line.length} characters)` : line;
    process.stdout.write(`    ${shown}\n`);
  }
  if (all.length > lines) process.stdout.write(`    ... (${all.length - lines} more lines in ${file})\n`);
}

/** Prints the recorded schema's fidelity; true when it is not exact. */
export function printFidelity({ fidelity, recorderErrors }: RecordedFidelity): boolean {
  say(`recorded head of "regression" (pggit schema --at HEAD, replayed into an empty database):`);
  say(`  pg_dump -s lines compared: ${fidelity.linesCompared}, differing: ${fidelity.linesDiffering}`);
  say(`  replay errors: ${fidelity.replayErrors}`);
  say(`  recorder errors in the proxy log: ${recorderErrors.length}`);
  for (const line of fidelity.errorSample) say(`    ${line}`);
  for (const line of fidelity.diffSample) say(`    ${line}`);
  for (const line of recorderErrors.slice(0, 20)) say(`    recorder: ${line}`);
  return fidelity.linesDiffering > 0 || fidelity.replayErrors > 0 || recorderErrors.length > 0;
}

// The printed report: machine, one row per path and mode, the ratios.
import type { MachineInfo } from './machine.js';
import type { PathSummary, Ratio } from './summary.js';

export interface ReportInput {
  readonly machine: MachineInfo;
  readonly settings: string;
  readonly summaries: readonly PathSummary[];
  readonly ratios: readonly Ratio[];
  readonly descriptions: ReadonlyMap<string, string>;
  /** Per path: runner, flags, versions. */
  readonly details: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly loadAverageAtEnd: readonly number[];
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/** pggit against the bare relay: the floor of issue 3. */
const RELAY_TARGET = 0.9;
/** pggit against pgbouncer (issue 14): TPS at least this, CPU per transaction at most that. */
const PGBOUNCER_TPS_TARGET = 0.95;
const PGBOUNCER_CPU_TARGET = 1.25;

export function formatReport(input: ReportInput): string {
  const { machine } = input;
  const lines = [
    '',
    `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}`,
    `software: node ${machine.node}, PostgreSQL ${machine.postgres}, ${machine.pgbench}`,
    `load: ${input.settings}`,
    `load average: ${machine.loadAverageAtStart.join(' ')} at start, ${input.loadAverageAtEnd.join(' ')} at end (this run's own load included)`,
    ...busyWarning(machine),
    ...Object.entries(input.details).flatMap(([path, facts]) => {
      const text = Object.entries(facts)
        .filter(([key, value]) => key !== 'description' && key !== 'pid' && value !== '')
        .map(([key, value]) => `${key} ${value}`)
        .join(', ');
      return text ? [`${path}: ${text}`] : [];
    }),
    '',
    ...table(input.summaries, input.descriptions),
    '',
    'ratios (median TPS / median TPS; "cpu": median proxy CPU µs per transaction / the same):',
    ...input.ratios.map((ratio) => {
      const rounds = ratio.perRound.length > 1 ? `   per round ${ratio.perRound.map((value) => value.toFixed(2)).join(' ')}` : '';
      const name = `${ratio.name} ${ratio.of === 'cpu' ? 'cpu ' : ''}(${ratio.mode})`;
      return `  ${name.padEnd(34)} ${ratio.value.toFixed(3)}${verdict(ratio)}${rounds}`;
    }),
  ];
  for (const { path, reason } of input.skipped) lines.push(`skipped ${path}: ${reason}`);
  return `${lines.join('\n')}\n`;
}

/** Someone else's load before we started: the ratios measure them as much as us. */
function busyWarning(machine: MachineInfo): string[] {
  const oneMinute = machine.loadAverageAtStart[0] ?? 0;
  if (oneMinute <= machine.cores / 2) return [];
  return [`WARNING: the machine was busy before the benchmark started (load ${oneMinute} on ${machine.cores} cores); treat the ratios as rough`];
}

function verdict(ratio: Ratio): string {
  if (ratio.name === 'pggit/pgbouncer' && ratio.of === 'cpu') return target(ratio.value <= PGBOUNCER_CPU_TARGET, `<= ${PGBOUNCER_CPU_TARGET}`);
  if (ratio.name === 'pggit/pgbouncer') return target(ratio.value >= PGBOUNCER_TPS_TARGET, `>= ${PGBOUNCER_TPS_TARGET}`);
  if (/^pggit[^/]*\/relay$/.test(ratio.name) && ratio.of === 'tps') return target(ratio.value >= RELAY_TARGET, `>= ${RELAY_TARGET}`);
  return '';
}

function target(met: boolean, bound: string): string {
  return `   (target ${bound}: ${met ? 'met' : 'NOT met'})`;
}

function table(summaries: readonly PathSummary[], descriptions: ReadonlyMap<string, string>): string[] {
  const rounds = Math.max(0, ...summaries.map((s) => s.tps.length));
  const header = ['path', 'mode', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`), 'median TPS', 'latency ms', 'CPU µs/txn', 'user', 'sys', 'vs direct', 'what'];
  const rows = summaries.map((s) => [
    s.path,
    s.mode,
    ...Array.from({ length: rounds }, (_, i) => (s.tps[i] === undefined ? '-' : s.tps[i].toFixed(0))),
    s.medianTps.toFixed(0),
    s.medianLatencyMs === undefined ? '-' : s.medianLatencyMs.toFixed(3),
    s.medianProxyCpuUs === undefined ? '-' : s.medianProxyCpuUs.toFixed(1),
    s.medianUserUs === undefined ? '-' : s.medianUserUs.toFixed(1),
    s.medianSystemUs === undefined ? '-' : s.medianSystemUs.toFixed(1),
    s.ratioToDirect === undefined ? '-' : s.ratioToDirect.toFixed(3),
    descriptions.get(s.path) ?? '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column < 2 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...rows.map(format)];
}

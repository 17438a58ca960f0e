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
    'ratios (median TPS / median TPS):',
    ...input.ratios.map((ratio) => {
      const rounds = ratio.perRound.length > 1 ? `   per round ${ratio.perRound.map((value) => value.toFixed(2)).join(' ')}` : '';
      return `  ${`${ratio.name} (${ratio.mode})`.padEnd(30)} ${ratio.value.toFixed(3)}${verdict(ratio)}${rounds}`;
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
  if (!/^pggit[^/]*\/relay$/.test(ratio.name)) return '';
  return ratio.value >= RELAY_TARGET ? `   (target >= ${RELAY_TARGET}: met)` : `   (target >= ${RELAY_TARGET}: NOT met)`;
}

function table(summaries: readonly PathSummary[], descriptions: ReadonlyMap<string, string>): string[] {
  const rounds = Math.max(0, ...summaries.map((s) => s.tps.length));
  const header = ['path', 'mode', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`), 'median TPS', 'latency ms', 'proxy CPU µs/txn', 'vs direct', 'what'];
  const rows = summaries.map((s) => [
    s.path,
    s.mode,
    ...Array.from({ length: rounds }, (_, i) => (s.tps[i] === undefined ? '-' : s.tps[i].toFixed(0))),
    s.medianTps.toFixed(0),
    s.medianLatencyMs === undefined ? '-' : s.medianLatencyMs.toFixed(3),
    s.medianProxyCpuUs === undefined ? '-' : s.medianProxyCpuUs.toFixed(1),
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

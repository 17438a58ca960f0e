// The DDL throughput table: per load, statements/s directly and through
// pggit, their ratio (median of rounds, and per round: flat is the goal),
// and the recorder's side (commits/s, ReadyForQuery hold, all recorded?).
import { DIRECT } from './direct-path.js';
import type { DdlLoad, DdlMeasurement } from './ddl-throughput.js';
import { median } from './summary.js';

/** Issue 15: at 8 sessions, >= 0.77x the direct rate. */
const TARGET_RATIO = 0.77;

export interface DdlSummary extends DdlLoad {
  readonly path: string;
  readonly directPerSecond: number;
  readonly pggitPerSecond: number;
  readonly ratio: number;
  /** pggit/direct in each round (adjacent runs). */
  readonly perRound: readonly number[];
  /** pggit statements/s in each round: falling means cost grows with history. */
  readonly pggitPerRound: readonly number[];
  readonly commitsPerSecond: number | undefined;
  readonly holdP50Ms: number | undefined;
  readonly holdP99Ms: number | undefined;
  /** Share of commits whose snapshot was read together with others'. */
  readonly readTogether: number | undefined;
  /** Observed commits / statements run, over every round. */
  readonly recordedShare: number | undefined;
  readonly maxDrainSeconds: number | undefined;
}

export function summariseDdl(measurements: readonly DdlMeasurement[], path = 'pggit'): DdlSummary[] {
  const loads = new Map<string, DdlLoad>();
  for (const m of measurements) loads.set(`${m.databases}/${m.sessions}/${m.schemaTables}`, { databases: m.databases, sessions: m.sessions, schemaTables: m.schemaTables });
  return [...loads.values()].flatMap((load) => {
    const of = (name: string) =>
      measurements
        .filter((m) => m.path === name && m.databases === load.databases && m.sessions === load.sessions && m.schemaTables === load.schemaTables)
        .sort((a, b) => a.round - b.round);
    const direct = of(DIRECT);
    const pggit = of(path);
    if (direct.length === 0 || pggit.length === 0) return [];
    const directPerSecond = median(direct.map((m) => m.statementsPerSecond));
    const pggitPerSecond = median(pggit.map((m) => m.statementsPerSecond));
    const optional = (values: Array<number | undefined>) => {
      const known = values.filter((value): value is number => value !== undefined);
      return known.length > 0 ? median(known) : undefined;
    };
    const statements = pggit.reduce((sum, m) => sum + m.statements, 0);
    const recorded = pggit.every((m) => m.recorded !== undefined) ? pggit.reduce((sum, m) => sum + m.recorded!, 0) : undefined;
    const drains = pggit.flatMap((m) => (m.drainSeconds === undefined ? [] : [m.drainSeconds]));
    return [
      {
        ...load,
        path,
        directPerSecond,
        pggitPerSecond,
        ratio: directPerSecond > 0 ? pggitPerSecond / directPerSecond : 0,
        perRound: pggit.flatMap((m) => {
          const other = direct.find((d) => d.round === m.round);
          return other && other.statementsPerSecond > 0 ? [m.statementsPerSecond / other.statementsPerSecond] : [];
        }),
        pggitPerRound: pggit.map((m) => m.statementsPerSecond),
        commitsPerSecond: optional(pggit.map((m) => m.commitsPerSecond)),
        holdP50Ms: optional(pggit.map((m) => m.holdP50Ms)),
        holdP99Ms: optional(pggit.map((m) => m.holdP99Ms)),
        readTogether: optional(pggit.map((m) => m.readTogether)),
        recordedShare: recorded === undefined || statements === 0 ? undefined : recorded / statements,
        maxDrainSeconds: drains.length > 0 ? Math.max(...drains) : undefined,
      },
    ];
  });
}

export function formatDdl(summaries: readonly DdlSummary[], settings: string): string {
  const header = ['dbs', 'sessions', 'tables before', 'direct stmt/s', 'pggit stmt/s', 'ratio', 'ratio per round', 'pggit stmt/s per round', 'commits/s', 'hold p50 ms', 'hold p99 ms', 'read together', 'recorded', 'drain s'];
  const rows = summaries.map((s) => [
    String(s.databases),
    String(s.sessions),
    String(s.schemaTables),
    s.directPerSecond.toFixed(0),
    s.pggitPerSecond.toFixed(0),
    s.ratio.toFixed(3) + (s.sessions === 8 ? (s.ratio >= TARGET_RATIO ? ' (met)' : ' (NOT met)') : ''),
    s.perRound.map((value) => value.toFixed(2)).join(' '),
    s.pggitPerRound.map((value) => value.toFixed(0)).join(' '),
    optional(s.commitsPerSecond, 0),
    optional(s.holdP50Ms, 1),
    optional(s.holdP99Ms, 1),
    s.readTogether === undefined ? '-' : `${(s.readTogether * 100).toFixed(0)}%`,
    s.recordedShare === undefined ? '-' : `${(s.recordedShare * 100).toFixed(1)}%`,
    optional(s.maxDrainSeconds, 1),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (cells: readonly string[]) => cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ');
  return [
    `DDL throughput through pggit (defaults) vs direct: ${settings}`,
    `  target at 8 sessions: ratio >= ${TARGET_RATIO}, flat from round to round; recorded = observed commits / statements run`,
    `  ${format(header)}`,
    ...rows.map((row) => `  ${format(row)}`),
  ].join('\n');
}

function optional(value: number | undefined, digits: number): string {
  return value === undefined ? '-' : value.toFixed(digits);
}

// How `pggit branch create --with-data` shows its progress on stderr: a bar
// redrawn in place on a terminal (bytes against the source's on-disk size,
// rows, tables, the table that last moved), one line per finished table
// otherwise (logs, CI), or every event as a JSON line with --json.
import type { CopyProgress, CopyTotals } from '../branch/index.js';
import { formatBytes } from '../plan/index.js';

const BAR_WIDTH = 24;

export type ProgressStyle = 'bar' | 'lines' | 'json';

export function progressStyle(json: boolean | undefined, terminal: boolean): ProgressStyle {
  return json ? 'json' : terminal ? 'bar' : 'lines';
}

export function formatProgress(progress: CopyProgress, style: ProgressStyle): string {
  if (style === 'json') return `${JSON.stringify(progress)}\n`;
  if (style === 'lines') {
    if (progress.event === 'table-done') {
      const { total } = progress;
      return `[${total.tablesDone}/${total.tables}] ${progress.table}: ${progress.rows} rows, ${formatBytes(progress.bytes)} (${progress.format}${(progress.pieces ?? 1) > 1 ? `, ${progress.pieces} pieces at once` : ''}) in ${progress.seconds.toFixed(1)} s\n`;
    }
    if (progress.event === 'post-data') return `rows copied (${totalsLine(progress.total)}); building ${progress.statements} indexes, constraints and triggers\n`;
    return '';
  }
  const { total } = progress;
  if (progress.event === 'done') return `\r\x1b[K${bar(1)} ${totalsLine(total)}, built indexes and constraints\n`;
  if (progress.event === 'post-data') return `\r\x1b[K${bar(1)} ${totalsLine(total)}; building ${progress.statements} indexes, constraints and triggers`;
  const fraction = total.estimatedBytes > 0 ? Math.min(0.99, total.bytes / total.estimatedBytes) : total.tablesDone / Math.max(1, total.tables);
  return `\r\x1b[K${bar(fraction)} ${totalsLine(total)}  ${progress.table} ${formatBytes(progress.bytes)}`;
}

function bar(fraction: number): string {
  const filled = Math.round(BAR_WIDTH * fraction);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

function totalsLine(total: CopyTotals): string {
  return `${formatBytes(total.bytes)}, ${total.rows} rows, ${total.tablesDone}/${total.tables} tables, ${total.jobs} job${total.jobs === 1 ? '' : 's'}, ${total.seconds.toFixed(1)} s`;
}

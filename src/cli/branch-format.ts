// How `pggit branch list` and `pggit branch prune` print: a table of
// branches, sizes in 1024-based units, times as how long ago.
import type { BranchSummary, PruneResult } from '../branch/index.js';
import { formatBytes } from '../plan/index.js';
import { localTime } from './history-read.js';

/** "12 min ago", "3 days ago"; "now" while sessions are open; "never". */
export function lastSession(branch: BranchSummary, now = Date.now()): string {
  if (branch.connections > 0) return 'now';
  if (branch.lastSessionAt === null) return 'never';
  const seconds = Math.max(0, (now - Date.parse(branch.lastSessionAt)) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} days ago`;
}

export function formatList(branches: readonly BranchSummary[], sizeWarnBytes: number | undefined): string {
  const rows = branches.map((branch) => [
    branch.name,
    branch.head?.slice(0, 12) ?? '-',
    branch.createdFrom?.slice(0, 12) ?? '-',
    branch.database,
    branch.sizeBytes === null ? 'missing' : `${formatBytes(branch.sizeBytes)}${branch.overSizeWarning ? ' !' : ''}`,
    String(branch.connections),
    lastSession(branch),
    branch.merged === null ? '-' : `${branch.merged ? 'yes' : 'no'} (${branch.parent})`,
    localTime(branch.createdAt),
  ]);
  const header = ['BRANCH', 'HEAD', 'FROM', 'DATABASE', 'SIZE', 'SESSIONS', 'LAST SESSION', 'MERGED', 'CREATED'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const table = [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ') + '\n').join('');
  const over = branches.filter((branch) => branch.overSizeWarning).map((branch) => branch.name);
  const note = over.length > 0 && sizeWarnBytes !== undefined ? `! over --branch-size-warn ${formatBytes(sizeWarnBytes)}: ${over.join(', ')}\n` : '';
  return table + note;
}

export function formatPrune(result: PruneResult): string {
  const verb = result.dryRun ? 'would delete' : 'deleted';
  const lines = result.deleted.map((branch) => {
    const ended = branch.terminatedSessions > 0 ? `, ended ${branch.terminatedSessions} session${branch.terminatedSessions === 1 ? '' : 's'}` : '';
    return `${verb} ${branch.name} (${formatBytes(branch.sizeBytes)}): ${branch.reasons.join(', ')}${ended}\n`;
  });
  for (const skipped of result.skipped) lines.push(`skipped ${skipped.name}: ${skipped.reason}\n`);
  const count = result.deleted.length;
  const total = `${result.dryRun ? 'would free' : 'freed'} ${formatBytes(result.freedBytes)} (${count} branch${count === 1 ? '' : 'es'}${result.dryRun ? ', dry run: nothing deleted' : ''})\n`;
  return (count === 0 && result.skipped.length === 0 ? 'no branch matches\n' : lines.join('')) + total;
}

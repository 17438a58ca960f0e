// `pggit status`: which pggit processes run on this machine and where they
// serve, from their state files (see state-file.ts).
import { parseArgs } from 'node:util';
import { UsageError } from '../listen-address.js';
import type { Env } from '../settings.js';
import { localTime, printJson } from '../history-read.js';
import { readRunningStates, stateDir, type RunningPggit } from '../state-file.js';

export const statusHelp = `Usage: pggit status [--json]

Lists the pggit processes (up, proxy) running on this machine for this user:
where clients connect, the HTTP address (page, API, metrics), the metadata
store and the server behind the proxy. The other commands (log, show,
schema, branch) use the newest one when no flag or PGGIT_* variable says
otherwise. Exit status 3 when none is running.

Options:
  --json       print {"stateDir","running":[{"pid","command","version","startedAt",
               "connect","listen","upstream","store","http","dataDir","httpAnswers"}]}
  -h, --help   this text

State files: ~/.pggit/run (PGGIT_STATE_DIR). They hold no passwords.
`;

/** Exit status when nothing runs, as `systemctl status` does for an inactive unit. */
const NOT_RUNNING = 3;

export async function runStatus(argv: string[], env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(statusHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const states = await readRunningStates(env);
  const running = await Promise.all(states.map(async (state) => ({ ...state, httpAnswers: state.http ? await answers(state.http) : null })));
  if (values.json) printJson({ stateDir: stateDir(env), running });
  else if (running.length === 0) process.stdout.write(`no pggit is running (no live state file in ${stateDir(env)}); start one with: npx pggit up\n`);
  else process.stdout.write(running.map(formatState).join('\n'));
  return running.length === 0 ? NOT_RUNNING : 0;
}

function formatState(state: RunningPggit & { httpAnswers: boolean | null }, index: number): string {
  const http = state.http === null ? 'off' : `${state.http}/  (${state.httpAnswers ? 'answering' : 'NOT answering'})`;
  const lines = [
    `pggit ${state.command} (pid ${state.pid}, ${state.version}, since ${localTime(state.startedAt)})${index === 0 ? '  <- used by default' : ''}`,
    `  Connect:   ${state.connect}`,
    `  Web, API:  ${http}`,
    `  Store:     ${state.store ?? 'off'}`,
    `  Upstream:  ${state.upstream}`,
  ];
  if (state.dataDir) lines.push(`  Data:      ${state.dataDir}`);
  return `${lines.join('\n')}\n`;
}

async function answers(http: string): Promise<boolean> {
  try {
    const response = await fetch(`${http}/healthz`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

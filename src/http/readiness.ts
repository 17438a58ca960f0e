// /readyz: every named check runs at once, each with a timeout, so one
// hanging dependency reports as failing instead of hanging the probe.

/** True when the dependency answers. A throw or a timeout counts as false. */
export type ReadinessCheck = () => Promise<boolean> | boolean;

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, boolean>;
  /** Names of the checks that failed. */
  readonly failing: string[];
  /** Why a check failed, when it threw or timed out. */
  readonly errors: Record<string, string>;
}

export async function checkReadiness(
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs: number,
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const outcomes = await Promise.all(names.map((name) => runCheck(checks[name]!, timeoutMs)));
  const report: ReadinessReport = { ready: true, checks: {}, failing: [], errors: {} };
  names.forEach((name, i) => {
    const outcome = outcomes[i]!;
    report.checks[name] = outcome.ok;
    if (outcome.ok) return;
    report.failing.push(name);
    if (outcome.error !== undefined) report.errors[name] = outcome.error;
  });
  return { ...report, ready: report.failing.length === 0 };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  const run = (async () => ({ ok: (await check()) === true }))().catch((error: unknown) => ({
    ok: false,
    error: error instanceof Error ? error.message : String(error),
  }));
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// What the regression runner says while it works: one prefix, stdout.
export function say(message: string): void {
  process.stdout.write(`regress: ${message}\n`);
}

/** A problem the runner cannot get past by itself; the message says what to do. */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Resolves with the first of the given signals to arrive. */
export function untilSignal(signals: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      for (const name of signals) process.removeListener(name, handler);
      resolve(signal);
    };
    for (const name of signals) process.on(name, handler);
  });
}

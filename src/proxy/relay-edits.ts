// What the relay does to bytes it forwards besides forwarding them: client
// messages a gate decided to replace (the guard's denial), server messages
// replaced as they go out, and the bound on every hold.

/** A bounded hold: after this the reply goes anyway and reconciliation keeps history right. */
// Long enough for a catalog read on a busy server (exactness needs it to
// finish first); short enough that a stuck recorder never stalls clients.
const SNAPSHOT_HOLD_MS = 10_000;

/** What a gate decided for one client message: undefined forwards it as it came, bytes go instead. */
export type GateDecision = Buffer | undefined;

/** A message at [start, end) of the bytes about to be forwarded. */
export interface MessageSpan {
  readonly start: number;
  readonly end: number;
}

export interface Gate extends MessageSpan {
  readonly decision: GateDecision | Promise<GateDecision>;
}

/** A server message the client gets as `replacement()` says once it is forwarded (after any hold). */
export interface ServerEdit extends MessageSpan {
  readonly replacement: () => GateDecision;
}

/** Settles when `hold` does (failed or not), or after SNAPSHOT_HOLD_MS. */
export async function bounded(hold: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SNAPSHOT_HOLD_MS);
    timer.unref();
  });
  await Promise.race([hold.catch(() => undefined), timeout]);
  clearTimeout(timer);
}

/** The server chunk with each edited message as its replacement decides now. */
export function edited(chunk: Buffer, edits: readonly ServerEdit[]): Buffer {
  return assemble(chunk, edits, edits.map((edit) => edit.replacement()));
}

/** The chunk with each gated message as decided (no copy when nothing changed). */
export function assemble(chunk: Buffer, spans: readonly MessageSpan[], decisions: readonly GateDecision[]): Buffer {
  if (decisions.every((decision) => decision === undefined)) return chunk;
  const parts: Buffer[] = [];
  let at = 0;
  spans.forEach((span, index) => {
    const decision = decisions[index];
    if (decision === undefined || span.end > chunk.length) return;
    parts.push(chunk.subarray(at, span.start), decision);
    at = span.end;
  });
  parts.push(chunk.subarray(at));
  return Buffer.concat(parts);
}

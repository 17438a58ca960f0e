// CancelRequest routing. Sessions register the BackendKeyData their upstream
// sent; a client's cancel is forwarded to that session's upstream. Keys are
// passed through unchanged, so a cancel that reaches another proxy of a
// load-balanced fleet (which does not know the key) still works when it
// forwards to the shared upstream server.
import { encodeCancelRequest, StartupCode, type CancelKey } from '../protocol/index.js';
import { connectUpstream, type UpstreamTarget } from './upstream.js';

export class CancelMap {
  private readonly targets = new Map<string, UpstreamTarget>();

  register(key: CancelKey, target: UpstreamTarget): string {
    const id = keyId(key);
    this.targets.set(id, target);
    return id;
  }

  unregister(id: string): void {
    this.targets.delete(id);
  }

  get size(): number {
    return this.targets.size;
  }

  /** The upstream that should receive a cancel for key, or the fallback. */
  targetFor(key: CancelKey, fallback: UpstreamTarget): UpstreamTarget {
    return this.targets.get(keyId(key)) ?? fallback;
  }
}

function keyId(key: CancelKey): string {
  return `${key.processId}:${key.secret.toString('hex')}`;
}

/** Sends a CancelRequest to target and closes; like libpq, reports nothing back. */
export async function forwardCancel(key: CancelKey, target: UpstreamTarget, timeoutMs: number): Promise<void> {
  const socket = await connectUpstream(target, timeoutMs).catch(() => undefined);
  if (!socket) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => undefined);
    socket.end(encodeCancelRequest(key, StartupCode.CancelRequest));
  });
}

// CancelRequest routing. Sessions register the BackendKeyData their upstream
// sent; a client's cancel is forwarded to that session's upstream. Keys are
// passed through unchanged, so a cancel that reaches another proxy of a
// load-balanced fleet (which does not know the key) still works when it
// forwards to the shared upstream server.
import { connect } from 'node:net';
import { encodeCancelRequest, StartupCode, type CancelKey } from '../protocol/index.js';
import type { UpstreamTarget } from './upstream.js';

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
export function forwardCancel(key: CancelKey, target: UpstreamTarget, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = target.kind === 'tcp' ? connect(target.port, target.host) : connect(target.path);
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.once('connect', () => socket.end(encodeCancelRequest(key, StartupCode.CancelRequest)));
    socket.once('close', done);
    socket.once('error', done);
  });
}

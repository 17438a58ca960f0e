// SCRAM channel binding binds authentication to the TLS connection the
// server sees. Through pggit there are two (client-pggit, pggit-server), so
// it cannot work, by design: a client that picks SCRAM-SHA-256-PLUS fails the
// binding check, and a TLS client that sees no -PLUS mechanism reports "I
// could bind but the server cannot" (gs2 flag 'y'), which a TLS server
// rejects as a downgrade. libpq's default channel_binding=prefer does the
// latter. pggit cannot rewrite either without breaking the SCRAM proof, so
// it hides -PLUS (channel_binding=require then fails in libpq with its own
// clear message) and turns the server's binding errors into one that says
// what to do: channel_binding=disable, or a client without TLS to pggit.
import { BackendCode, FrameError, encodeErrorResponse, errorFields } from '../protocol/index.js';

const AUTH_OK = 0;
const AUTH_SASL = 10;
const PLUS_SUFFIX = '-PLUS';
/** Authentication messages are small; more than this held at once is not a server. */
const MAX_HELD_BYTES = 64 * 1024;
/** The server's errors when a client's binding choice cannot work (auth.c, auth-scram.c). */
const CHANNEL_BINDING_ERROR = /^SCRAM channel binding/;

/**
 * Passes server bytes through during authentication: drops the -PLUS
 * mechanisms from AuthenticationSASL and explains the server's channel
 * binding errors. Done at AuthenticationOk or at any other message.
 */
export class ChannelBindingFilter {
  private held: Buffer | undefined;
  private finished = false;

  get done(): boolean {
    return this.finished;
  }

  /** The bytes to forward now (maybe none yet). */
  push(chunk: Buffer): Buffer {
    if (this.finished) return chunk;
    const data = this.held ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = undefined;
    const out: Buffer[] = [];
    let offset = 0;
    while (!this.finished && offset + 5 <= data.length) {
      const length = data.readInt32BE(offset + 1);
      if (length < 4 || length > MAX_HELD_BYTES) throw new FrameError('LENGTH_OUT_OF_RANGE', `invalid server message length during authentication: ${length}`);
      const end = offset + 1 + length;
      if (end > data.length) break;
      out.push(this.rewrite(data.subarray(offset, end)));
      offset = end;
    }
    if (this.finished) out.push(data.subarray(offset));
    else if (data.length - offset > MAX_HELD_BYTES) throw new FrameError('LENGTH_OUT_OF_RANGE', 'server sent too much while authenticating');
    // A copy: the chunk may be a read buffer that is reused for the next read.
    else this.held = Buffer.from(data.subarray(offset));
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private rewrite(message: Buffer): Buffer {
    const code = message[0];
    const body = message.subarray(5);
    if (code === BackendCode.Authentication) {
      const request = body.readInt32BE(0);
      if (request === AUTH_OK) this.finished = true;
      return request === AUTH_SASL ? withoutPlus(body) : message;
    }
    if (code === BackendCode.ErrorResponse) {
      this.finished = true;
      return explained(message, body);
    }
    if (code !== BackendCode.NegotiateProtocolVersion && code !== BackendCode.NoticeResponse) this.finished = true;
    return message;
  }
}

/** AuthenticationSASL listing only the mechanisms without -PLUS. */
function withoutPlus(body: Buffer): Buffer {
  const names = body
    .subarray(4)
    .toString('utf8')
    .split('\0')
    .filter((name) => name !== '' && !name.endsWith(PLUS_SUFFIX));
  const list = Buffer.from(`${names.join('\0')}\0\0`, 'utf8');
  const message = Buffer.alloc(1 + 4 + 4 + list.length);
  message[0] = BackendCode.Authentication;
  message.writeInt32BE(4 + 4 + list.length, 1);
  message.writeInt32BE(AUTH_SASL, 5);
  list.copy(message, 9);
  return message;
}

/** The server's channel binding error, said in terms of pggit; other errors unchanged. */
function explained(message: Buffer, body: Buffer): Buffer {
  const fields = errorFields(body);
  if (!CHANNEL_BINDING_ERROR.test(fields.message)) return message;
  return encodeErrorResponse({
    severity: 'FATAL',
    sqlstate: fields.sqlstate || '08P01',
    message: 'SCRAM channel binding cannot pass through pggit, which terminates TLS',
    detail: `The server said: ${fields.message}`,
    hint: 'Connect with channel_binding=disable, or without TLS to pggit.',
  });
}

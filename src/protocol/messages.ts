// Decoders for the few message bodies the proxy reads, and encoders for the
// few it writes itself. Bodies are the bytes after type and length.
import { PROTOCOL_MAJOR_3 } from './codes.js';
import { FrameError } from './frame-error.js';

/**
 * Where the NUL that ends the string at `offset` is, before `end` (a
 * message's end in a chunk that goes on), or -1. Names and tags are short:
 * a loop beats the native indexOf's call; long texts go to indexOf.
 */
export function nulAt(body: Buffer, offset: number, end = body.length): number {
  if (end - offset > 64) {
    const at = body.indexOf(0, offset);
    return at < end ? at : -1;
  }
  for (let at = offset; at < end; at++) if (body[at] === 0) return at;
  return -1;
}

/** Reads a NUL-terminated string at offset (ending before `end`); returns it and the next offset. */
export function readCString(body: Buffer, offset: number, end = body.length): [value: string, next: number] {
  const nul = nulAt(body, offset, end);
  if (nul < 0) throw new FrameError('MALFORMED_MESSAGE', 'string not terminated');
  return [body.toString('utf8', offset, nul), nul + 1];
}

/** The NUL-terminated string at offset: readCString without the tuple; an empty name allocates nothing. */
export function cString(body: Buffer, offset: number, end = body.length): string {
  if (body[offset] === 0 && offset < end) return '';
  const nul = nulAt(body, offset, end);
  if (nul < 0) throw new FrameError('MALFORMED_MESSAGE', 'string not terminated');
  return body.toString('utf8', offset, nul);
}

const REPEAT_COMPARE_MAX = 4096;

/**
 * cString, but `previous` itself when the bytes spell it (ASCII only): a
 * driver that sends the same statement text again and again (pgbench -M
 * extended, most ORMs) costs a comparison, not a decode and a new string.
 */
export function cStringAgain(body: Buffer, offset: number, end: number, previous: string): string {
  const length = previous.length;
  // A long text is found by memchr and decoded natively: a JS loop over megabytes would cost more than it saves.
  if (length > REPEAT_COMPARE_MAX) return cString(body, offset, end);
  // One pass: look for the NUL while the bytes still spell `previous`.
  for (let at = offset, i = 0; at < end; at++, i++) {
    const byte = body[at]!;
    if (byte === 0) {
      if (i === length) return previous;
      break;
    }
    if (i === length || byte >= 0x80 || byte !== previous.charCodeAt(i)) break;
  }
  return cString(body, offset, end);
}

/** The offset just after the NUL-terminated string at offset. */
export function afterCString(body: Buffer, offset: number, end = body.length): number {
  const nul = nulAt(body, offset, end);
  if (nul < 0) throw new FrameError('MALFORMED_MESSAGE', 'string not terminated');
  return nul + 1;
}

/** CommandComplete: the tag, e.g. "INSERT 0 1" or "CREATE TABLE". */
export function commandTag(body: Buffer): string {
  return readCString(body, 0)[0];
}

/** The first word(s) of a tag, without row counts: "INSERT", "CREATE TABLE". */
export function commandOfTag(tag: string): string {
  let end = tag.length;
  while (end > 0) {
    const space = tag.lastIndexOf(' ', end - 1);
    const word = tag.slice(space + 1, end);
    if (!/^\d+$/.test(word)) break;
    end = space < 0 ? 0 : space;
  }
  return tag.slice(0, end);
}

export interface ErrorFields {
  readonly severity: string;
  readonly sqlstate: string;
  readonly message: string;
}

/**
 * ErrorResponse / NoticeResponse: the fields the proxy cares about. body may
 * be only the first bytes of the message (a frame tracker's capture limit):
 * a field cut off at its end is left out. The server sends severity and
 * SQLSTATE first, so a long message or detail does not hide them.
 */
export function errorFields(body: Buffer): ErrorFields {
  let severity = '';
  let sqlstate = '';
  let message = '';
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const field = body[offset]!;
    if (body.indexOf(0, offset + 1) < 0) break;
    const [value, next] = readCString(body, offset + 1);
    // 'V' is the untranslated severity; prefer it over the localized 'S'.
    if (field === 0x56 || (field === 0x53 && severity === '')) severity = value;
    else if (field === 0x43) sqlstate = value;
    else if (field === 0x4d) message = value;
    offset = next;
  }
  return { severity, sqlstate, message };
}

/** ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' in a failed transaction. */
export function transactionStatus(body: Buffer, offset = 0, end = body.length): 'I' | 'T' | 'E' {
  const status = offset < end ? body[offset] : undefined;
  if (status === 0x49) return 'I';
  if (status === 0x54) return 'T';
  if (status === 0x45) return 'E';
  throw new FrameError('MALFORMED_MESSAGE', `unknown transaction status ${String(status)}`);
}

export interface CancelKey {
  readonly processId: number;
  /** The secret key bytes (4 bytes in protocol 3.0, up to 256 in 3.2). */
  readonly secret: Buffer;
}

/** BackendKeyData body. The caller must copy: the view is borrowed. */
export function backendKeyData(body: Buffer): CancelKey {
  if (body.length < 8) throw new FrameError('MALFORMED_MESSAGE', 'BackendKeyData too short');
  return { processId: body.readInt32BE(0), secret: Buffer.from(body.subarray(4)) };
}

/** Query: the SQL text (of the body at body[start, end)). */
export function queryText(body: Buffer, complete = true, start = 0, end = body.length): string {
  // A body cut at a capture limit ends before its NUL: the text seen so far.
  return complete ? cString(body, start, end) : body.toString('utf8', start, end);
}

/** Parse: statement name and SQL text (its start only when `complete` is false: the body was cut). */
export function parseMessage(body: Buffer, complete = true): { statement: string; text: string } {
  const next = afterCString(body, 0);
  return { statement: cString(body, 0), text: complete ? cString(body, next) : body.toString('utf8', next) };
}

/** Bind: portal and statement names (the first two strings; parameters follow). */
export function bindNames(body: Buffer): { portal: string; statement: string } {
  return { portal: cString(body, 0), statement: cString(body, afterCString(body, 0)) };
}

/** Execute: portal name (of the body at body[start, end)). */
export function executePortal(body: Buffer, start = 0, end = body.length): string {
  return cString(body, start, end);
}

/** Close: 'S' statement or 'P' portal, and its name. */
export function closeTarget(body: Buffer): { kind: 'S' | 'P'; name: string } {
  const kind = body[0] === 0x50 ? 'P' : 'S';
  return { kind, name: readCString(body, 1)[0] };
}

export interface StartupMessage {
  readonly protocolVersion: number;
  /** Parameters in the order sent (user, database, options, application_name, ...). */
  readonly parameters: ReadonlyMap<string, string>;
}

/** StartupMessage body after the length: int32 version, then name/value pairs. */
export function startupMessage(packet: Buffer): StartupMessage {
  const protocolVersion = packet.readInt32BE(4);
  const parameters = new Map<string, string>();
  let offset = 8;
  while (offset < packet.length && packet[offset] !== 0) {
    const [name, afterName] = readCString(packet, offset);
    const [value, afterValue] = readCString(packet, afterName);
    parameters.set(name, value);
    offset = afterValue;
  }
  if (protocolVersion >>> 16 === PROTOCOL_MAJOR_3 && !parameters.has('user')) {
    throw new FrameError('MALFORMED_MESSAGE', 'no PostgreSQL user name specified in startup packet');
  }
  return { protocolVersion, parameters };
}

/** Encodes a StartupMessage (used when the proxy rewrites a parameter). */
export function encodeStartupMessage(message: StartupMessage): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of message.parameters) parts.push(Buffer.from(`${name}\0${value}\0`, 'utf8'));
  parts.push(Buffer.from([0]));
  const body = Buffer.concat(parts);
  const packet = Buffer.allocUnsafe(8 + body.length);
  packet.writeInt32BE(8 + body.length, 0);
  packet.writeInt32BE(message.protocolVersion, 4);
  body.copy(packet, 8);
  return packet;
}

export interface ErrorToSend {
  readonly severity: 'FATAL' | 'ERROR';
  readonly sqlstate: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** An ErrorResponse the proxy itself sends to a client. */
export function encodeErrorResponse(error: ErrorToSend): Buffer {
  return encodeNoticeFields(0x45, error.severity, error);
}

export interface NoticeToSend {
  readonly sqlstate: string;
  readonly message: string;
  readonly detail?: string | undefined;
  readonly hint?: string | undefined;
}

/** A NoticeResponse of severity WARNING the proxy itself sends to a client. */
export function encodeWarningNotice(notice: NoticeToSend): Buffer {
  return encodeNoticeFields(0x4e, 'WARNING', notice);
}

/** ErrorResponse ('E') and NoticeResponse ('N') share their layout: typed string fields, then a 0. */
function encodeNoticeFields(code: number, severity: string, notice: NoticeToSend): Buffer {
  const fields: Array<[string, string | undefined]> = [
    ['S', severity],
    ['V', severity],
    ['C', notice.sqlstate],
    ['M', notice.message],
    ['D', notice.detail],
    ['H', notice.hint],
  ];
  const parts: Buffer[] = [];
  for (const [field, value] of fields) if (value !== undefined) parts.push(Buffer.from(`${field}${value}\0`, 'utf8'));
  parts.push(Buffer.from([0]));
  const body = Buffer.concat(parts);
  const message = Buffer.allocUnsafe(5 + body.length);
  message[0] = code;
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

/** A CancelRequest packet for the given key. */
export function encodeCancelRequest(key: CancelKey, code: number): Buffer {
  const packet = Buffer.allocUnsafe(12 + key.secret.length);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(code, 4);
  packet.writeInt32BE(key.processId, 8);
  key.secret.copy(packet, 12);
  return packet;
}

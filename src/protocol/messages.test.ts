import { describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage, DatabaseError } from 'pg-protocol/dist/messages.js';
import { StartupCode } from './codes.js';
import { FrameError } from './frame-error.js';
import {
  backendKeyData,
  bindNames,
  closeTarget,
  commandOfTag,
  cStringAgain,
  commandTag,
  encodeCancelRequest,
  encodeErrorResponse,
  encodeStartupMessage,
  errorFields,
  executePortal,
  parseMessage,
  queryText,
  readCString,
  startupMessage,
  transactionStatus,
} from './messages.js';

/** The body of a message pg-protocol serialized: the bytes after type and length. */
const body = (message: Buffer): Buffer => message.subarray(5);

function parseBackend(bytes: Buffer): BackendMessage[] {
  const messages: BackendMessage[] = [];
  new Parser().parse(bytes, (message) => void messages.push(message));
  return messages;
}

function fields(pairs: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.from(`${pairs.map(([field, value]) => `${field}${value}\0`).join('')}\0`, 'utf8');
}

describe('message decoders', () => {
  it('reads a C string and the offset after its terminator', () => {
    expect(readCString(Buffer.from('ab\0cd\0'), 0)).toEqual(['ab', 3]);
    expect(readCString(Buffer.from('ab\0cd\0'), 3)).toEqual(['cd', 6]);
    expect(readCString(Buffer.from('\0'), 0)).toEqual(['', 1]);
    expect(readCString(Buffer.from('é\0', 'utf8'), 0)).toEqual(['é', 3]);
  });

  it('throws a FrameError for an unterminated string', () => {
    expect(() => readCString(Buffer.from('abc'), 0)).toThrow(FrameError);
    expect(() => queryText(Buffer.alloc(0))).toThrow(FrameError);
  });

  it('gives back the previous string when the bytes spell it again, else decodes', () => {
    const previous = 'SELECT $1';
    const chunk = Buffer.from('xSELECT $1\0SELECT $2\0\0');
    expect(cStringAgain(chunk, 1, chunk.length, previous)).toBe(previous);
    expect(cStringAgain(chunk, 11, chunk.length, previous)).toBe('SELECT $2');
    expect(cStringAgain(chunk, 21, chunk.length, previous)).toBe('');
    // UTF-8 bytes of é are Ã© as single code units: only ASCII is compared.
    const accented = Buffer.from('café\0');
    expect(cStringAgain(accented, 0, accented.length, 'cafÃ©')).toBe('café');
    expect(() => cStringAgain(chunk, 1, 5, previous)).toThrow(FrameError);
  });

  it('reads a body given as a range of a chunk, never past its end', () => {
    // Two messages' bodies in one chunk: the first string's NUL must lie inside the first range.
    const chunk = Buffer.from('xxportal\0stmt\0' + 'next\0');
    expect(readCString(chunk, 2, 15)).toEqual(['portal', 9]);
    expect(executePortal(chunk, 9, 14)).toBe('stmt');
    expect(() => readCString(chunk, 9, 13)).toThrow(FrameError);
    const long = Buffer.concat([Buffer.from('SELECT ' + 'x'.repeat(100)), Buffer.from('\0')]);
    expect(() => queryText(long, true, 0, long.length - 1)).toThrow(FrameError);
    expect(queryText(long, true, 0, long.length)).toBe(long.toString('latin1', 0, long.length - 1));
    expect(transactionStatus(Buffer.from('ZT'), 1, 2)).toBe('T');
    expect(() => transactionStatus(Buffer.from('ZT'), 2, 2)).toThrow(FrameError);
  });

  it('reads a CommandComplete tag and its command without row counts', () => {
    expect(commandTag(Buffer.from('INSERT 0 1\0'))).toBe('INSERT 0 1');
    expect(commandOfTag('INSERT 0 1')).toBe('INSERT');
    expect(commandOfTag('SELECT 5')).toBe('SELECT');
    expect(commandOfTag('CREATE TABLE')).toBe('CREATE TABLE');
    expect(commandOfTag('ALTER DEFAULT PRIVILEGES')).toBe('ALTER DEFAULT PRIVILEGES');
    expect(commandOfTag('COMMIT')).toBe('COMMIT');
    expect(commandOfTag('')).toBe('');
  });

  it('reads severity, SQLSTATE and message of an ErrorResponse, preferring the untranslated severity', () => {
    const localized = fields([
      ['S', 'FEHLER'],
      ['V', 'ERROR'],
      ['C', '42P01'],
      ['M', 'Relation »x« existiert nicht'],
      ['P', '15'],
    ]);
    expect(errorFields(localized)).toEqual({
      severity: 'ERROR',
      sqlstate: '42P01',
      message: 'Relation »x« existiert nicht',
    });
    const oldServer = fields([
      ['S', 'FATAL'],
      ['C', '57P01'],
      ['M', 'terminating connection due to administrator command'],
    ]);
    expect(errorFields(oldServer).severity).toBe('FATAL');
    expect(errorFields(Buffer.from([0]))).toEqual({ severity: '', sqlstate: '', message: '' });
  });

  it('reads severity and SQLSTATE from the first bytes of an ErrorResponse cut inside a long field', () => {
    const whole = fields([
      ['S', 'ERROR'],
      ['V', 'ERROR'],
      ['C', '22P02'],
      ['M', `invalid input syntax for type integer: "${'x'.repeat(10_000)}"`],
      ['F', 'numutils.c'],
    ]);
    for (const cut of [21, 30, 4096]) {
      const fromPrefix = errorFields(whole.subarray(0, cut));
      expect(fromPrefix, `cut at ${cut}`).toEqual({ severity: 'ERROR', sqlstate: '22P02', message: '' });
    }
    expect(errorFields(whole.subarray(0, 20))).toEqual({ severity: 'ERROR', sqlstate: '', message: '' });
    expect(errorFields(whole.subarray(0, 3))).toEqual({ severity: '', sqlstate: '', message: '' });
  });

  it('reads the transaction status of ReadyForQuery and rejects an unknown one', () => {
    expect(['I', 'T', 'E'].map((s) => transactionStatus(Buffer.from(s)))).toEqual(['I', 'T', 'E']);
    expect(() => transactionStatus(Buffer.from('X'))).toThrow(FrameError);
    expect(() => transactionStatus(Buffer.alloc(0))).toThrow(FrameError);
  });

  it('copies the BackendKeyData secret out of the borrowed body', () => {
    const raw = Buffer.from([0, 0, 0x30, 0x39, 1, 2, 3, 4]);
    const key = backendKeyData(raw);
    raw.fill(0);
    expect(key.processId).toBe(12345);
    expect([...key.secret]).toEqual([1, 2, 3, 4]);
    expect(backendKeyData(Buffer.alloc(4 + 32, 7)).secret.length).toBe(32);
    expect(() => backendKeyData(Buffer.alloc(7))).toThrow(FrameError);
  });

  it('reads the text of Query and the name and text of Parse', () => {
    expect(queryText(body(serialize.query('SELECT 1; SELECT 2')))).toBe('SELECT 1; SELECT 2');
    const parse = serialize.parse({ name: 's1', text: 'SELECT $1::int', types: [23] });
    expect(parseMessage(body(parse))).toEqual({ statement: 's1', text: 'SELECT $1::int' });
    expect(parseMessage(body(serialize.parse({ text: 'SELECT 1' })))).toEqual({ statement: '', text: 'SELECT 1' });
    // Cut at a capture limit (no NUL at the end): the text seen so far.
    expect(queryText(Buffer.from('CREATE TABLE a'), false)).toBe('CREATE TABLE a');
    expect(parseMessage(Buffer.from('s1\0CREATE TAB'), false)).toEqual({ statement: 's1', text: 'CREATE TAB' });
  });

  it('reads the portal and statement names of Bind, Execute and Close', () => {
    const bind = serialize.bind({ portal: 'p1', statement: 's1', values: ['x', null] });
    expect(bindNames(body(bind))).toEqual({ portal: 'p1', statement: 's1' });
    expect(executePortal(body(serialize.execute({ portal: 'p1', rows: 10 })))).toBe('p1');
    expect(closeTarget(body(serialize.close({ type: 'P', name: 'p1' })))).toEqual({ kind: 'P', name: 'p1' });
    expect(closeTarget(body(serialize.close({ type: 'S', name: 's1' })))).toEqual({ kind: 'S', name: 's1' });
  });

  it('reads a StartupMessage written by node-postgres', () => {
    const packet = serialize.startup({ user: 'alice', database: 'app', options: '-c pggit.branch=f' });
    const startup = startupMessage(packet);
    expect(startup.protocolVersion).toBe(0x00030000);
    expect([...startup.parameters]).toEqual([
      ['user', 'alice'],
      ['database', 'app'],
      ['options', '-c pggit.branch=f'],
      ['client_encoding', 'UTF8'],
    ]);
  });

  it('rejects a protocol 3 StartupMessage without a user, or with an unterminated value', () => {
    const noUser = encodeStartupMessage({ protocolVersion: 0x00030000, parameters: new Map([['database', 'app']]) });
    expect(() => startupMessage(noUser)).toThrow(/no PostgreSQL user name/);
    const truncated = Buffer.from(serialize.startup({ user: 'alice' }).subarray(0, 14));
    truncated.writeInt32BE(truncated.length, 0);
    expect(() => startupMessage(truncated)).toThrow(FrameError);
  });
});

describe('message encoders', () => {
  it('encodes a StartupMessage that reads back the same, parameters in order', () => {
    const message = {
      protocolVersion: 0x00030002,
      parameters: new Map([
        ['user', 'bob'],
        ['database', 'app'],
        ['application_name', 'naïve'],
      ]),
    };
    const packet = encodeStartupMessage(message);
    expect(packet.readInt32BE(0)).toBe(packet.length);
    expect(packet.at(-1)).toBe(0);
    expect(startupMessage(packet)).toEqual(message);
    const parameters = new Map([
      ['user', 'alice'],
      ['client_encoding', 'UTF8'],
    ]);
    const fromNodePostgres = serialize.startup({ user: 'alice' });
    expect(encodeStartupMessage({ protocolVersion: 0x00030000, parameters })).toEqual(fromNodePostgres);
  });

  it('encodes an ErrorResponse that a client library reads as the same error', () => {
    const bytes = encodeErrorResponse({
      severity: 'FATAL',
      sqlstate: '08P01',
      message: 'invalid message length',
      detail: 'länge 0',
      hint: 'check the client',
    });
    expect(bytes.readInt32BE(1)).toBe(bytes.length - 1);
    const [error, ...more] = parseBackend(bytes);
    expect(more).toEqual([]);
    expect(error).toMatchObject({
      name: 'error',
      severity: 'FATAL',
      code: '08P01',
      message: 'invalid message length',
      detail: 'länge 0',
      hint: 'check the client',
    } satisfies Partial<DatabaseError>);
    const ours = errorFields(bytes.subarray(5));
    expect(ours).toEqual({ severity: 'FATAL', sqlstate: '08P01', message: 'invalid message length' });
  });

  it('leaves out the optional fields of an ErrorResponse that are not given', () => {
    const bytes = encodeErrorResponse({ severity: 'ERROR', sqlstate: '57014', message: 'x' });
    expect(bytes.subarray(5).toString('latin1')).toBe('SERROR\0VERROR\0C57014\0Mx\0\0');
  });

  it('encodes a CancelRequest byte for byte like node-postgres', () => {
    const secret = Buffer.alloc(4);
    secret.writeInt32BE(-123456789, 0);
    const key = { processId: 4321, secret };
    expect(encodeCancelRequest(key, StartupCode.CancelRequest)).toEqual(serialize.cancel(4321, -123456789));
  });

  it('encodes a CancelRequest with a long (protocol 3.2) secret', () => {
    const packet = encodeCancelRequest({ processId: 7, secret: Buffer.alloc(32, 0xab) }, StartupCode.CancelRequest);
    expect(packet.length).toBe(44);
    expect(packet.readInt32BE(0)).toBe(44);
    expect(backendKeyData(packet.subarray(8))).toEqual({ processId: 7, secret: Buffer.alloc(32, 0xab) });
  });
});

import { describe, expect, it } from 'vitest';
import { encodeErrorResponse, errorFields } from '../protocol/index.js';
import { ChannelBindingFilter } from './channel-binding.js';

function authMessage(code: number, tail: Buffer = Buffer.alloc(0)): Buffer {
  const message = Buffer.alloc(9 + tail.length);
  message[0] = 0x52;
  message.writeInt32BE(8 + tail.length, 1);
  message.writeInt32BE(code, 5);
  tail.copy(message, 9);
  return message;
}

const sasl = (names: string[]): Buffer => authMessage(10, Buffer.from(`${names.map((n) => `${n}\0`).join('')}\0`));
const negotiate = Buffer.from([0x76, 0, 0, 0, 12, 0, 3, 0, 0, 0, 0, 0, 0]);
const parameterStatus = Buffer.from([0x53, 0, 0, 0, 8, 0x61, 0, 0x62, 0]);

/** Feeds bytes split at every offset and returns what went through. */
function throughAtEverySplit(bytes: Buffer): Buffer[] {
  const outputs: Buffer[] = [];
  for (let split = 0; split <= bytes.length; split++) {
    const filter = new ChannelBindingFilter();
    const first = filter.push(bytes.subarray(0, split));
    const second = filter.push(bytes.subarray(split));
    expect(filter.done).toBe(true);
    outputs.push(Buffer.concat([first, second]));
  }
  return outputs;
}

describe('channel binding filter', () => {
  it('removes SCRAM-SHA-256-PLUS from the mechanisms, wherever the chunks split', () => {
    const input = Buffer.concat([negotiate, sasl(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']), authMessage(0)]);
    const expected = Buffer.concat([negotiate, sasl(['SCRAM-SHA-256']), authMessage(0)]);
    for (const output of throughAtEverySplit(input)) expect(output).toEqual(expected);
  });

  it('leaves other authentication requests and what follows them unchanged', () => {
    const input = Buffer.concat([authMessage(0), parameterStatus]);
    for (const output of throughAtEverySplit(input)) expect(output).toEqual(input);
    const md5 = Buffer.concat([authMessage(5, Buffer.from([1, 2, 3, 4])), authMessage(0)]);
    for (const output of throughAtEverySplit(md5)) expect(output).toEqual(md5);
  });

  it("explains the server's channel binding error and keeps its SQLSTATE", () => {
    const error = encodeErrorResponse({ severity: 'FATAL', sqlstate: '08P01', message: 'SCRAM channel binding negotiation error' });
    const [output] = throughAtEverySplit(Buffer.concat([sasl(['SCRAM-SHA-256']), error]));
    const fields = errorFields(output!.subarray(output!.indexOf(0x45) + 5));
    expect(fields).toEqual({ severity: 'FATAL', sqlstate: '08P01', message: 'SCRAM channel binding cannot pass through pggit, which terminates TLS' });
    expect(output!.toString()).toContain('channel_binding=disable');
    expect(output!.toString()).toContain('The server said: SCRAM channel binding negotiation error');
  });

  it('passes an error through as it is', () => {
    const error = Buffer.from([0x45, 0, 0, 0, 8, 0x53, 0x78, 0, 0]);
    for (const output of throughAtEverySplit(error)) expect(output).toEqual(error);
  });

  it('refuses an absurd length instead of holding bytes for it', () => {
    const filter = new ChannelBindingFilter();
    expect(() => filter.push(Buffer.from([0x52, 0x7f, 0, 0, 0]))).toThrow(/invalid server message length/);
  });
});

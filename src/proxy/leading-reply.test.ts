import { describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import { encodeErrorResponse } from '../protocol/index.js';
import { LeadingReply } from './leading-reply.js';

function message(code: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(code, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const complete = (tag: string): Buffer => message('C', Buffer.from(`${tag}\0`));
const ready = (status: 'I' | 'T' | 'E'): Buffer => message('Z', Buffer.from(status));
const notice = message('N', Buffer.from('SWARNING\0VWARNING\0C25001\0Mthere is already a transaction in progress\0\0'));
const notification = message('A', Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('jobs\0ready\0')]));
// What the client's Query got after the BEGIN: its own replies.
const clientReplies = Buffer.concat([complete('CREATE TABLE'), ready('T')]);

interface Outcome {
  status?: 'I' | 'T' | 'E';
  rest: Buffer;
  passedOn?: Buffer;
  notifications: Buffer[];
}

/** Feeds `bytes` in the pieces cut at `cuts`; what follows the reply is gathered as the relay would forward it. */
function feed(bytes: Buffer, cuts: readonly number[]): Outcome {
  const outcome: Outcome = { rest: Buffer.alloc(0), notifications: [] };
  let over = false;
  const reply = new LeadingReply({
    notification: (m) => outcome.notifications.push(Buffer.from(m)),
    done: (status, rest) => {
      outcome.status = status;
      outcome.rest = Buffer.from(rest);
      over = true;
    },
    passOn: (rest) => {
      outcome.passedOn = Buffer.from(rest);
      over = true;
    },
  });
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    const piece = Buffer.from(bytes.subarray(at, cut));
    at = cut;
    if (over) outcome.rest = Buffer.concat([outcome.rest, piece]);
    else if (piece.length > 0) reply.push(piece);
  }
  return outcome;
}

function everyCut(bytes: Buffer, check: (outcome: Outcome) => void): void {
  for (let cut = 0; cut <= bytes.length; cut++) check(feed(bytes, [cut]));
  for (let size = 1; size <= 3; size++) check(feed(bytes, Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => i * size)));
}

describe('the reply to a BEGIN sent before the client\'s Query', () => {
  it('is the usual 17 bytes, taken off wherever the reads split them, and the client\'s replies go on whole', () => {
    const begin = Buffer.concat([complete('BEGIN'), ready('T')]);
    expect(begin.length).toBe(17);
    everyCut(Buffer.concat([begin, clientReplies]), (outcome) => {
      expect(outcome.status).toBe('T');
      expect(outcome.rest).toEqual(clientReplies);
      expect(outcome.passedOn).toBeUndefined();
    });
  });

  it('drops a notice of the BEGIN\'s and passes a notification that came meanwhile to the client', () => {
    const bytes = Buffer.concat([notice, notification, complete('BEGIN'), ready('T'), clientReplies]);
    everyCut(bytes, (outcome) => {
      expect(outcome.status).toBe('T');
      expect(outcome.notifications).toEqual([notification]);
      expect(outcome.rest).toEqual(clientReplies);
    });
  });

  it('says when the BEGIN failed: its error is not the client\'s, the status shows no block', () => {
    const failed = encodeErrorResponse({ severity: 'ERROR', sqlstate: '25001', message: 'no' });
    everyCut(Buffer.concat([failed, ready('I'), clientReplies]), (outcome) => {
      expect(outcome.status).toBe('I');
      expect(outcome.rest).toEqual(clientReplies);
    });
  });

  it('passes a FATAL error on to the client as it came', () => {
    const fatal = encodeErrorResponse({ severity: 'FATAL', sqlstate: '57P01', message: 'terminating connection due to administrator command' });
    everyCut(Buffer.concat([fatal]), (outcome) => {
      expect(outcome.status).toBeUndefined();
      expect(Buffer.concat([outcome.passedOn ?? Buffer.alloc(0), outcome.rest])).toEqual(fatal);
    });
  });

  it('hands on bytes whose length no reply message has, instead of waiting for them', () => {
    const odd = Buffer.concat([Buffer.from('D'), Buffer.from([0x7f, 0, 0, 0])]);
    const outcome = feed(Buffer.concat([odd, serialize.sync()]), []);
    expect(outcome.passedOn?.subarray(0, 5)).toEqual(odd);
  });
});

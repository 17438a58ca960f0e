import { describe, expect, it } from 'vitest';
import { RequestClock } from './request-clock.js';

describe('request clock', () => {
  it('times each statement of a simple query from the query start', () => {
    const clock = new RequestClock();
    clock.query(1000);
    expect(clock.statementDone(1250, false)).toBe(0.25);
    expect(clock.statementDone(1500, false)).toBe(0.5);
    clock.ready();
    expect(clock.pending).toBe(0);
  });

  it('times pipelined executes in order and ends each at its Sync', () => {
    const clock = new RequestClock();
    clock.execute(0);
    clock.sync();
    clock.execute(100);
    clock.sync();
    expect(clock.statementDone(50, false)).toBe(0.05);
    clock.ready();
    expect(clock.statementDone(300, false)).toBe(0.2);
    clock.ready();
    expect(clock.pending).toBe(0);
  });

  it('drops the executes the server skips after an error', () => {
    const clock = new RequestClock();
    clock.execute(0);
    clock.execute(0);
    clock.execute(0);
    clock.sync();
    clock.execute(500);
    clock.sync();
    expect(clock.statementDone(10, true)).toBe(0.01);
    clock.ready();
    expect(clock.statementDone(700, false)).toBe(0.2);
  });

  it('grows past its initial capacity without losing order', () => {
    const clock = new RequestClock();
    for (let i = 0; i < 200; i++) clock.execute(i);
    for (let i = 0; i < 200; i++) expect(clock.statementDone(1000, false)).toBe((1000 - i) / 1000);
  });

  it('reports -1 for a reply nobody asked for', () => {
    expect(new RequestClock().statementDone(5, false)).toBe(-1);
  });
});

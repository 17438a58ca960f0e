import { describe, expect, it } from 'vitest';
import { DdlInFlight } from './ddl-in-flight.js';

describe('DDL in flight', () => {
  it('settles once every transaction begun up to the mark has ended, whatever began later', async () => {
    const inFlight = new DdlInFlight();
    const endA = inFlight.begin('app');
    const endOther = inFlight.begin('other');
    const mark = inFlight.mark;
    const endLater = inFlight.begin('app');
    let settled = false;
    const waiting = inFlight.settled('app', mark).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    endA();
    await waiting;
    expect(settled).toBe(true);
    endA(); // a second end is harmless
    endLater();
    endOther();
  });
});

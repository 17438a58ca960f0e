import { describe, expect, it } from 'vitest';
import { checkReadiness } from './readiness.js';

describe('readiness', () => {
  it('is ready with no checks', async () => {
    expect(await checkReadiness({}, 100)).toEqual({ ready: true, checks: {}, failing: [], errors: {} });
  });

  it('names the checks that answered false, threw or timed out', async () => {
    const started = Date.now();
    const report = await checkReadiness(
      {
        upstream: async () => true,
        store: () => false,
        recorder: async () => {
          throw new Error('connection refused');
        },
        slow: () => new Promise<boolean>(() => {}),
      },
      100,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report).toEqual({
      ready: false,
      checks: { upstream: true, store: false, recorder: false, slow: false },
      failing: ['store', 'recorder', 'slow'],
      errors: { recorder: 'connection refused', slow: 'timed out after 100 ms' },
    });
  });
});

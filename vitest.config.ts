import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    // Processes that tests start write their state files here, never in ~/.pggit/run.
    env: { PGGIT_STATE_DIR: join(tmpdir(), `pggit-test-state-${process.pid}`) },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more parallel files only fight over the one PostgreSQL server.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});

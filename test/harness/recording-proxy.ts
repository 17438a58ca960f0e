// A proxy wired by hand to a recorder and store of the test's own (the
// branch, revert and merge tests read and drive them directly): branch
// routing on, store retries fast.
import { pino } from 'pino';
import { StoreBranchDirectory } from '../../src/branch/index.js';
import { CatalogPools, Recorder } from '../../src/history/index.js';
import { connectStore, type HistoryStore } from '../../src/store/index.js';
import { startWiredProxy, upstreamUrl, type TestProxy } from './proxy.js';

export interface RecordingProxy {
  readonly proxy: TestProxy;
  readonly recorder: Recorder;
  readonly store: HistoryStore;
  stop(): Promise<void>;
}

export async function startRecordingProxy(storeUrl: string): Promise<RecordingProxy> {
  const store = connectStore({ url: storeUrl });
  const pools = new CatalogPools(upstreamUrl());
  const recorder = new Recorder({ store, pools, logger: pino({ level: 'silent' }), retryMs: 100 });
  const proxy = await startWiredProxy({
    onChangeSet: (changeSet, route) => recorder.submit(route, changeSet),
    onSessionReady: (route) => recorder.noteDatabase(route),
    branches: new StoreBranchDirectory(store.pool, () => store.ensureReady()),
  });
  return {
    proxy,
    recorder,
    store,
    stop: async () => {
      await proxy.stop();
      recorder.stop();
      await pools.end();
      await store.pool.end();
    },
  };
}

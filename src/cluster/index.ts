// cluster: find PostgreSQL binaries and run a private server (initdb, start,
// fast stop). Used by `pggit up`, the test harness and the benchmarks.
export { findEmbeddedBinDir, findPgBinaries, type PgBinaries } from './binaries.js';
export { LocalCluster, SUPERUSER, type ClusterOptions } from './local-cluster.js';
export { ClusterError, type ClusterErrorCode } from './cluster-error.js';
export { freePort, portIsFree } from './free-port.js';
export { serverUser, type ServerUser } from './server-user.js';
export { binariesForUp } from './up-binaries.js';
export { cloneSupport, reflinksIn, type CloneSupport } from './clone-support.js';

export type ClusterErrorCode = 'PORT_IN_USE' | 'START_FAILED' | 'INITDB_FAILED' | 'DATA_DIR_IN_USE';

/** A failure to run a local PostgreSQL cluster, with a stable code. */
export class ClusterError extends Error {
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}

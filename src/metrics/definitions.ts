// Every pggit metric family. Names, types and labels are an API: dashboards
// and alerts depend on them (README "Metrics").
import type { Registry } from 'prom-client';
import { ComputedGauge, HistogramFamily, ValueFamily } from './cells.js';

/** Statement latency: 100 µs (a cached SELECT on a local server) to 10 s. */
export const STATEMENT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Upstream TCP (and server fork) time: sub-millisecond locally, seconds across a bad network. */
export const CONNECT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** From a transaction's COMMIT to its schema commit in the store. */
export const RECORDER_LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** How long a session's ReadyForQuery waits for its schema snapshot (capped at 2 s by the session: the last bucket holds the capped ones). */
export const READY_HOLD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.1] as const;

export const CONNECTION_ERROR_REASONS = [
  'upstream_unreachable',
  'upstream_lost',
  'upstream_protocol',
  'protocol_violation',
  'tls',
  'unknown_branch',
  'shutdown',
  'too_many_connections',
  'authentication_timeout',
] as const;

export type ConnectionErrorReason = (typeof CONNECTION_ERROR_REASONS)[number];

export function defineMetrics(registry: Registry) {
  return {
    clientConnections: new ValueFamily(
      registry,
      {
        name: 'pggit_client_connections',
        help: 'Client connections open now.',
        labelNames: ['database', 'branch'],
      },
      'gauge',
    ),
    clientConnectionsTotal: new ValueFamily(
      registry,
      {
        name: 'pggit_client_connections_total',
        help: 'Client sessions started (counted once the upstream server accepted them).',
        labelNames: ['database', 'branch'],
      },
      'counter',
    ),
    connectionErrors: new ValueFamily(
      registry,
      {
        name: 'pggit_connection_errors_total',
        help: 'Sessions pggit ended or could not start, by reason.',
        labelNames: ['reason'],
      },
      'counter',
    ),
    guardHazards: new ValueFamily(
      registry,
      {
        name: 'pggit_guard_hazards_total',
        help: 'Hazardous statements the zero-downtime guard warned about, denied or cancelled (lock wait), by hazard.',
        labelNames: ['hazard', 'action'],
      },
      'counter',
    ),
    bytes: new ValueFamily(
      registry,
      {
        name: 'pggit_bytes_total',
        help: 'Bytes forwarded, by direction.',
        labelNames: ['direction'],
      },
      'counter',
    ),
    statements: new ValueFamily(
      registry,
      {
        name: 'pggit_statements_total',
        help: 'Statements finished, by command (from CommandComplete; DDL for schema changes; ERROR when failed).',
        labelNames: ['database', 'branch', 'application', 'command'],
      },
      'counter',
    ),
    statementDuration: new HistogramFamily(
      registry,
      {
        name: 'pggit_statement_duration_seconds',
        help: 'From the first byte of a request to its CommandComplete or ErrorResponse.',
        labelNames: ['database', 'branch', 'command'],
      },
      STATEMENT_BUCKETS,
    ),
    statementErrors: new ValueFamily(
      registry,
      {
        name: 'pggit_statement_errors_total',
        help: 'Statements that ended in an ErrorResponse, by SQLSTATE class.',
        labelNames: ['database', 'branch', 'sqlstate_class'],
      },
      'counter',
    ),
    transactions: new ValueFamily(
      registry,
      {
        name: 'pggit_transactions_total',
        help: 'Transactions ended, by outcome.',
        labelNames: ['database', 'branch', 'outcome'],
      },
      'counter',
    ),
    upstreamConnectDuration: new HistogramFamily(
      registry,
      {
        name: 'pggit_upstream_connect_duration_seconds',
        help: 'Time to open a connection to the upstream server.',
        labelNames: [],
      },
      CONNECT_BUCKETS,
    ),
    schemaCommits: new ValueFamily(
      registry,
      {
        name: 'pggit_schema_commits_total',
        help: 'Schema commits recorded: observed (DDL seen through the proxy) or detected (found by reconciliation).',
        labelNames: ['database', 'branch', 'kind'],
      },
      'counter',
    ),
    schemaHead: new ValueFamily(
      registry,
      {
        name: 'pggit_schema_head_info',
        help: 'The newest schema commit of each branch (always 1): its short id and the URL of its page, for dashboard links.',
        labelNames: ['database', 'branch', 'commit', 'page'],
      },
      'gauge',
    ),
    lastSchemaCommit: new ValueFamily(
      registry,
      {
        name: 'pggit_last_schema_commit_timestamp_seconds',
        help: 'Unix time of the newest schema commit on a branch.',
        labelNames: ['database', 'branch'],
      },
      'gauge',
    ),
    recorderLag: new HistogramFamily(
      registry,
      {
        name: 'pggit_recorder_lag_seconds',
        help: 'From the COMMIT of a transaction that changed the schema to its schema commit in the store.',
        labelNames: [],
      },
      RECORDER_LAG_BUCKETS,
    ),
    readyForQueryHold: new HistogramFamily(
      registry,
      {
        name: 'pggit_ready_for_query_hold_seconds',
        help: 'How long a ReadyForQuery was held back from the client while the recorder read its schema snapshot.',
        labelNames: [],
      },
      READY_HOLD_BUCKETS,
    ),
    reconciliationsSkipped: new ValueFamily(
      registry,
      {
        name: 'pggit_reconciliations_skipped_total',
        help: 'Reconciliation rounds skipped because some proxy had schema changes in flight (not yet written to the store).',
        labelNames: [],
      },
      'counter',
    ),
    snapshotReads: new ValueFamily(
      registry,
      {
        name: 'pggit_snapshot_reads_total',
        help: 'Observed commits by how their catalog snapshot was read: before_commit (inside the transaction, on the client connection, just before its COMMIT), or after the commit alone or together with other commits of the same database waiting at the same moment.',
        labelNames: ['read'],
      },
      'counter',
    ),
    recorderQueueDepth: new ComputedGauge(registry, {
      name: 'pggit_recorder_queue_depth',
      help: 'Committed schema changes waiting to be recorded.',
    }),
    branchSize: new ValueFamily(
      registry,
      {
        name: 'pggit_branch_size_bytes',
        help: 'pg_database_size of each live branch, read every minute off the forwarding path.',
        labelNames: ['database', 'branch'],
      },
      'gauge',
    ),
    storeSize: new ComputedGauge(registry, {
      name: 'pggit_store_size_bytes',
      help: 'The metadata store\'s tables with their indexes, read every minute; absent until read.',
    }),
    storeUp: new ComputedGauge(registry, {
      name: 'pggit_store_up',
      help: '1 when the metadata store answered its last check, 0 when not; absent without a store.',
    }),
  };
}

export type Families = ReturnType<typeof defineMetrics>;

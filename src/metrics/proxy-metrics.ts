// The metrics of one proxy process, on a registry the caller owns (no
// global registry). Sessions get a SessionMetrics; the rest of the process
// (listener, recorder, store) reports through the methods here.
import { collectDefaultMetrics, type Registry } from 'prom-client';
import type { HistogramCell, ValueCell } from './cells.js';
import { CONNECTION_ERROR_REASONS, defineMetrics, type ConnectionErrorReason, type Families } from './definitions.js';
import { LabelCells } from './label-cells.js';
import { ApplicationLabels } from './label-values.js';
import { LiveSessionMetrics, type SessionMetrics } from './session-metrics.js';
import { ImpactSeries, type ImpactSeriesOptions } from './impact-series.js';


/** How an observed commit's snapshot was read (pggit_snapshot_reads_total's `read`). */
export type SnapshotRead = 'before_commit' | 'alone' | 'together';
export interface ProxyMetricsOptions {
  /** Distinct application_names (process-wide) with a label of their own; later ones count as `other`. Default 20. */
  readonly maxApplications?: number;
  /** Also register prom-client's standard process_* and nodejs_* metrics. Default true. */
  readonly defaultMetrics?: boolean;
}

export interface SessionLabels {
  readonly database: string;
  readonly branch: string;
  /** application_name from the StartupMessage; '' when the client sent none. */
  readonly application: string;
}

export class ProxyMetrics {
  private readonly families: Families;
  private readonly cells: LabelCells;
  private readonly connectionErrors: ReadonlyMap<ConnectionErrorReason, ValueCell>;
  private readonly upstreamConnect: HistogramCell;
  private readonly recorderLagCell: HistogramCell;
  private readonly reconciliationsSkippedCell: ValueCell;
  private readonly snapshotReadCells: Readonly<Record<SnapshotRead, ValueCell>>;
  /** Where the web page is, for the links in pggit_schema_head_info ('' : no page). */
  private pageUrl = '';
  /** The pggit_schema_head_info cell of each (database, branch). */
  private readonly heads = new Map<string, ValueCell>();
  private readonly readyHoldCell: HistogramCell;
  private readonly guardCells = new Map<string, ValueCell>();
  /** pggit_branch_size_bytes cells by database\0branch. */
  private readonly branchSizeCells = new Map<string, ValueCell>();
  private storeBytes: number | undefined;

  constructor(registry: Registry, options: ProxyMetricsOptions = {}) {
    const families = defineMetrics(registry);
    this.families = families;
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    this.cells = new LabelCells(families, new ApplicationLabels(options.maxApplications ?? 20));
    // Every reason exists from the start, so rate() sees a 0 before the first error.
    this.connectionErrors = new Map(
      CONNECTION_ERROR_REASONS.map((reason) => [reason, families.connectionErrors.cell({ reason })]),
    );
    this.upstreamConnect = families.upstreamConnectDuration.cell({});
    this.recorderLagCell = families.recorderLag.cell({});
    this.reconciliationsSkippedCell = families.reconciliationsSkipped.cell({});
    this.snapshotReadCells = {
      before_commit: families.snapshotReads.cell({ read: 'before_commit' }),
      alone: families.snapshotReads.cell({ read: 'alone' }),
      together: families.snapshotReads.cell({ read: 'together' }),
    };
    this.readyHoldCell = families.readyForQueryHold.cell({});
  }

  /** http://host:port of the web page (known once the HTTP server listens). */
  setPageUrl(url: string): void {
    this.pageUrl = url.replace(/\/+$/, '');
  }

  /**
   * A client session the upstream server accepted. Call it once
   * authentication succeeded, not at the StartupMessage: database names
   * the server rejects must not become labels.
   */
  session(labels: SessionLabels): SessionMetrics {
    const branch = this.cells.branch(labels.database, labels.branch);
    branch.connections.value++;
    branch.connectionsTotal.value++;
    return new LiveSessionMetrics(this.cells, this.cells.application(branch, labels.application));
  }

  /** A per-database series of what these metrics count, for per-migration impact (call start() on it). */
  impactSeries(options: ImpactSeriesOptions = {}): ImpactSeries {
    return new ImpactSeries(this.families, options);
  }

  connectionError(reason: ConnectionErrorReason): void {
    this.connectionErrors.get(reason)!.value++;
  }

  /** The guard acted on a hazard (labels from fixed sets: the hazard names and warn|deny|cancel). */
  guardHazard(hazard: string, action: 'warn' | 'deny' | 'cancel'): void {
    const key = `${hazard}\0${action}`;
    let cell = this.guardCells.get(key);
    if (!cell) {
      cell = this.families.guardHazards.cell({ hazard, action });
      this.guardCells.set(key, cell);
    }
    cell.value++;
  }

  upstreamConnected(seconds: number): void {
    this.upstreamConnect.observe(seconds);
  }

  schemaCommit(database: string, branch: string, kind: 'observed' | 'detected', at: Date, commitId?: string): void {
    this.families.schemaCommits.cell({ database, branch, kind }).value++;
    const last = this.families.lastSchemaCommit.cell({ database, branch });
    last.value = Math.max(last.value, at.getTime() / 1000);
    if (commitId !== undefined) this.schemaHead(database, branch, commitId);
  }

  /** One series per branch names its head; a new head replaces the old series (schema commits are rare: little churn). */
  private schemaHead(database: string, branch: string, commitId: string): void {
    const key = `${database}\u0000${branch}`;
    const previous = this.heads.get(key);
    if (previous) this.families.schemaHead.remove(previous);
    const commit = commitId.slice(0, 12);
    const page = this.pageUrl ? `${this.pageUrl}/#/r/${encodeURIComponent(database)}/commit/${commit}?branch=${encodeURIComponent(branch)}` : '';
    const cell = this.families.schemaHead.cell({ database, branch, commit, page });
    cell.value = 1;
    this.heads.set(key, cell);
  }

  recorderLag(seconds: number): void {
    this.recorderLagCell.observe(seconds);
  }

  /** A reconciliation round found schema changes in flight and left the database alone. */
  reconciliationSkipped(): void {
    this.reconciliationsSkippedCell.value += 1;
  }

  /** Observed commits whose snapshot was read inside their transaction before its COMMIT, or after it alone or together with others. */
  snapshotsRead(read: SnapshotRead, commits: number): void {
    this.snapshotReadCells[read].value += commits;
  }

  /** A session's ReadyForQuery was held this long for a schema snapshot. */
  readyForQueryHeld(seconds: number): void {
    this.readyHoldCell.observe(seconds);
  }

  /** Read at every scrape for pggit_recorder_queue_depth. */
  setQueueDepthSource(source: () => number): void {
    this.families.recorderQueueDepth.setSource(source);
  }

  /** The sizes of every live branch, as last read: branches not in the list lose their series. */
  branchSizes(sizes: ReadonlyArray<{ readonly database: string; readonly branch: string; readonly bytes: number }>): void {
    const seen = new Set<string>();
    for (const { database, branch, bytes } of sizes) {
      const key = `${database}\u0000${branch}`;
      seen.add(key);
      let cell = this.branchSizeCells.get(key);
      if (!cell) {
        cell = this.families.branchSize.cell({ database, branch });
        this.branchSizeCells.set(key, cell);
      }
      cell.value = bytes;
    }
    for (const [key, cell] of this.branchSizeCells) {
      if (seen.has(key)) continue;
      this.families.branchSize.remove(cell);
      this.branchSizeCells.delete(key);
    }
  }

  /** The metadata store's size as last read (pggit_store_size_bytes). */
  storeSize(bytes: number): void {
    this.storeBytes = bytes;
    this.families.storeSize.setSource(() => this.storeBytes);
  }

  /** Read at every scrape for pggit_store_up; `undefined` (no store configured) leaves it without a sample. */
  setStoreUpSource(source: () => boolean | undefined): void {
    this.families.storeUp.setSource(() => {
      const up = source();
      return up === undefined ? undefined : Number(up);
    });
  }
}

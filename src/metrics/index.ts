// metrics: pggit's Prometheus metrics on an injected prom-client registry.
// ProxyMetrics is the process; SessionMetrics is what one session counts,
// with cells cached per label set so the hot path only updates numbers.
export { ProxyMetrics, type ProxyMetricsOptions, type SessionLabels, type SnapshotRead } from './proxy-metrics.js';
export { NO_SESSION_METRICS, type SessionMetrics } from './session-metrics.js';
export { CONNECTION_ERROR_REASONS, type ConnectionErrorReason } from './definitions.js';
export { COMMAND_LABELS, commandOfTag, type CommandLabel } from './command-tag.js';
export { OTHER_APPLICATION, UNKNOWN_APPLICATION } from './label-values.js';
export { ImpactSeries, type ImpactSeriesOptions, type CommitImpact } from './impact-series.js';
export { summarize, quantile, flagReasons, FLAG_RULES, type ImpactPoint, type WindowSummary } from './impact.js';

// proxy: the data path. Listener, sessions, cancel routing, TLS and the
// zero-downtime guard (guard/: warns about or denies hazardous DDL); joins the
// rooms above into a proxy that forwards every byte.
export { startProxy, type ProxyOptions, type RunningProxy } from './listener.js';
export { connectUpstream, upstreamFromUrl, describeUpstream, type UpstreamTarget } from './upstream.js';
export type { TlsFiles } from './tls.js';
export type { SessionRoute } from './session-info.js';
export { startGuard, type RunningGuard } from './guard/shared.js';
export {
  DEFAULT_GUARD_POLICY,
  DEFAULT_MIN_ROWS,
  GUARD_MODES,
  GuardSettingError,
  OUTAGE_HAZARDS,
  parseHazardList,
  type GuardMode,
  type GuardPolicy,
} from './guard/policy.js';
export { GUARD_DENIED_SQLSTATE, GUARD_WARNING_SQLSTATE } from './guard/verdicts.js';

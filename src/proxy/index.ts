// proxy: the data path. Listener, sessions, cancel routing and TLS; joins the
// rooms above into a proxy that forwards every byte.
export { startProxy, type ProxyOptions, type RunningProxy } from './listener.js';
export { connectUpstream, upstreamFromUrl, describeUpstream, type UpstreamTarget } from './upstream.js';
export type { TlsFiles } from './tls.js';
export type { SessionRoute } from './session-info.js';

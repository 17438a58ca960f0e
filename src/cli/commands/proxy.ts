// `pggit proxy`: run the proxy in front of an existing PostgreSQL server.
import { parseArgs } from 'node:util';
import { upstreamFromUrl, describeUpstream } from '../../proxy/index.js';
import { hostForUrl, parseHostPort, UsageError } from '../listen-address.js';
import { createLogger } from '../logger.js';
import { optionalSetting, secondsSetting, setting, upstreamUrl, type Env } from '../settings.js';
import { untilSignal } from '../signals.js';
import { writeRunningState } from '../state-file.js';
import { version } from '../version.js';
import { serve } from '../serve.js';
import { HTTP_HELP, HTTP_OPTIONS, httpSettings } from '../http-settings.js';
import { HISTORY_HELP, HISTORY_OPTIONS, historySettings } from '../history-settings.js';
import { GUARD_HELP, GUARD_OPTIONS, guardSettings } from '../guard-settings.js';
import { BRANCH_HELP, BRANCH_OPTIONS, branchSettings } from '../branch-settings.js';

export const proxyHelp = `Usage: pggit proxy [options]

Runs the proxy in front of an existing PostgreSQL server. Clients connect to
--listen exactly as they would to the server; users, passwords and databases
are the server's own.

Options (flag, then environment variable; libpq's PG* variables also apply):
  --listen HOST:PORT       where clients connect            PGGIT_LISTEN (127.0.0.1:6432)
  --upstream URL           the PostgreSQL server, postgres://[user@]host[:port][/db]
                                                             PGGIT_UPSTREAM, else PGHOST/PGPORT
                           TLS as libpq: ?sslmode=disable|allow|prefer|require|verify-ca|verify-full
                           (default prefer) &sslrootcert=FILE|system &sslcert=FILE &sslkey=FILE,
                           or PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY
  --tls-cert FILE          terminate TLS from clients with this certificate   PGGIT_TLS_CERT
  --tls-key FILE           ... and this private key                           PGGIT_TLS_KEY
                           (TLS 1.2 or later; SSLRequest or direct TLS with ALPN
                           "postgresql"; SIGHUP reads both files again)
  --connect-timeout SECS   give up connecting upstream after  PGGIT_CONNECT_TIMEOUT (10)
  --authentication-timeout SECS  end a client not authenticated after this
                                                             PGGIT_AUTHENTICATION_TIMEOUT (60)
  --max-connections N      client connections at once; more get 53300
                                                             PGGIT_MAX_CONNECTIONS (10000)
  --drain-timeout SECS     on SIGTERM, wait this long for sessions to end
                                                             PGGIT_DRAIN_TIMEOUT (30)
  --log-level LEVEL        fatal|error|warn|info|debug|trace|silent
                                                             PGGIT_LOG_LEVEL (info)
${HTTP_HELP}${HISTORY_HELP}${GUARD_HELP}${BRANCH_HELP}  -h, --help               this text

Logs are JSON lines on stderr, one field "session" per client connection.
`;

export async function runProxy(argv: string[], env: Env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string' },
      upstream: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'connect-timeout': { type: 'string' },
      'authentication-timeout': { type: 'string' },
      'max-connections': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'log-level': { type: 'string' },
      ...HTTP_OPTIONS,
      ...HISTORY_OPTIONS,
      ...GUARD_OPTIONS,
      ...BRANCH_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(proxyHelp);
    return 0;
  }
  const listen = parseHostPort(setting(values.listen, env, ['PGGIT_LISTEN'], '127.0.0.1:6432'));
  const upstreamAddress = upstreamUrl(values.upstream, env);
  const upstream = upstreamFromUrl(upstreamAddress);
  // Missing certificate files are a start-up error, not one per session.
  await upstream.tls?.load();
  const certFile = optionalSetting(values['tls-cert'], env, ['PGGIT_TLS_CERT']);
  const keyFile = optionalSetting(values['tls-key'], env, ['PGGIT_TLS_KEY']);
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const authenticationTimeout = secondsSetting(
    setting(values['authentication-timeout'], env, ['PGGIT_AUTHENTICATION_TIMEOUT'], '60'),
    '--authentication-timeout',
  );
  const maxConnections = Number(setting(values['max-connections'], env, ['PGGIT_MAX_CONNECTIONS'], '10000'));
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new UsageError('--max-connections must be a whole number of at least 1');
  const connectTimeout = secondsSetting(setting(values['connect-timeout'], env, ['PGGIT_CONNECT_TIMEOUT'], '10'), '--connect-timeout');
  const drainTimeout = secondsSetting(setting(values['drain-timeout'], env, ['PGGIT_DRAIN_TIMEOUT'], '30'), '--drain-timeout');
  const logger = createLogger(setting(values['log-level'], env, ['PGGIT_LOG_LEVEL'], 'info'));

  const history = historySettings(values, env, upstreamAddress);
  const serving = await serve({
    listen,
    upstream,
    upstreamUrl: upstreamAddress,
    ...httpSettings(values, env),
    ...history,
    ...guardSettings(values, env),
    ...branchSettings(values, env),
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
    logger,
    connectTimeoutMs: connectTimeout * 1000,
    startupTimeoutMs: authenticationTimeout * 1000,
    maxConnections,
  });
  const http = serving.http ? `${serving.http.host}:${serving.http.port}` : 'off';
  logger.info({ upstream: describeUpstream(upstream), port: serving.proxy.port, http }, 'ready');
  const removeState = await writeRunningState(env, {
    pid: process.pid,
    command: 'proxy',
    version,
    startedAt: new Date().toISOString(),
    connect: exampleConnection(upstreamAddress, listen.host, serving.proxy.port),
    listen: { host: listen.host, port: serving.proxy.port },
    upstream: upstreamAddress,
    store: history.storeUrl ?? null,
    http: serving.http ? `http://${hostForUrl(serving.http.host)}:${serving.http.port}` : null,
    dataDir: null,
  });
  // Like the server's SIGHUP: read the certificate again (new sessions use it).
  const reload = (): void => {
    if (!serving.proxy.hasTls) return;
    serving.proxy.reloadTls().then(
      () => logger.info('TLS certificate and key reloaded'),
      (error: unknown) => logger.error({ err: error }, 'could not reload the TLS certificate; keeping the previous one'),
    );
  };
  process.on('SIGHUP', reload);
  const signal = await untilSignal(['SIGTERM', 'SIGINT']);
  process.removeListener('SIGHUP', reload);
  logger.info({ signal, drainSeconds: drainTimeout }, 'shutting down');
  await removeState();
  await serving.stop(drainTimeout * 1000);
  logger.flush();
  return 0;
}

/** postgres://USER@HOST:PORT/DB through the proxy, with the upstream URL's user and database. */
function exampleConnection(upstream: string, host: string, port: number): string {
  const url = new URL(upstream);
  const user = url.username || 'postgres';
  const database = url.pathname.length > 1 ? url.pathname.slice(1) : decodeURIComponent(user);
  return `postgres://${user}@${hostForUrl(host)}:${port}/${database}`;
}

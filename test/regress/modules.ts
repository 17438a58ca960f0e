// The C modules the suite loads with CREATE FUNCTION ... LANGUAGE C:
// regress.so (src/test/regress/regress.c) and refint.so / autoinc.so
// (contrib/spi), compiled against the installed server's headers.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { have, isRoot, mustRun } from './exec.js';
import { say, SetupError } from './log.js';
import type { InstalledServer } from './server.js';
import type { SuiteSource } from './source.js';

const MODULES = [
  { name: 'regress', dir: 'regressDir', defines: [] },
  // contrib/spi/Makefile: "this is needed for the regression tests" (NOTICEs in triggers.out).
  { name: 'refint', dir: 'spiDir', defines: ['-DREFINT_VERBOSE'] },
  { name: 'autoinc', dir: 'spiDir', defines: [] },
] as const;

/**
 * Builds the modules into <versionDir>/lib; returns that directory (pg_regress
 * --dlpath). A module is rebuilt only when its compile command changed
 * (<name>.so.cmd records it).
 */
export async function buildModules(server: InstalledServer, source: SuiteSource, versionDir: string): Promise<string> {
  const libDir = join(versionDir, 'lib');
  const config = async (flag: string): Promise<string[]> =>
    (await mustRun(server.pgConfig, [`--${flag}`])).trim().split(/\s+/).filter(Boolean);
  const flags = [...(await config('cflags')), ...(await config('cflags_sl')), ...(await config('cppflags'))];
  let includeDir: string | undefined;
  for (const module of MODULES) {
    const output = join(libDir, `${module.name}.so`);
    const args = [...flags, ...module.defines, '-shared', '-o', output, join(source[module.dir], `${module.name}.c`)];
    const stamp = `${output}.cmd`;
    const built = existsSync(output) && (await readFile(stamp, 'utf8').catch(() => '')) === args.join('\n');
    if (built) continue;
    includeDir ??= await serverHeaders(server, versionDir);
    await needCompiler();
    await mkdir(libDir, { recursive: true });
    say(`compiling ${module.name}.so from ${args.at(-1)}`);
    await mustRun('cc', [`-I${includeDir}`, ...args]);
    await writeFile(stamp, args.join('\n'));
  }
  return libDir;
}

/**
 * The server's include directory: the installed one (postgresql-server-dev-NN)
 * if present, else that package's files unpacked into the cache with
 * apt-get download + dpkg-deb, which needs neither root nor its LLVM/clang
 * dependencies.
 */
async function serverHeaders(server: InstalledServer, versionDir: string): Promise<string> {
  const installed = (await mustRun(server.pgConfig, ['--includedir-server'])).trim();
  if (existsSync(join(installed, 'postgres.h'))) return installed;
  const unpackedRoot = join(versionDir, 'server-dev');
  const unpacked = join(unpackedRoot, installed);
  if (existsSync(join(unpacked, 'postgres.h'))) return unpacked;

  const pkg = `postgresql-server-dev-${server.major}=${server.deb.version}`;
  say(`fetching server headers: apt-get download ${pkg} (unpacked into ${unpackedRoot}, not installed)`);
  await mkdir(versionDir, { recursive: true });
  const scratch = await mkdtemp(join(versionDir, 'headers-'));
  try {
    await mustRun('apt-get', ['download', pkg], { cwd: scratch }).catch((error: Error) => {
      throw new SetupError(
        `could not download ${pkg} (${error.message.split('\n')[0]}); install the headers instead: ` +
          `apt-get install postgresql-server-dev-${server.major}`,
      );
    });
    const deb = (await readdir(scratch)).find((name) => name.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download left no .deb in ${scratch}`);
    const tree = join(scratch, 'tree');
    await mustRun('dpkg-deb', ['-x', join(scratch, deb), tree]);
    await rm(unpackedRoot, { recursive: true, force: true });
    await rename(tree, unpackedRoot);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (!existsSync(join(unpacked, 'postgres.h'))) throw new Error(`${pkg} has no postgres.h under ${installed}`);
  return unpacked;
}

async function needCompiler(): Promise<void> {
  if (await have('cc')) return;
  if (!isRoot()) throw new SetupError('building regress.so needs a C compiler: as root, apt-get install -y gcc libc6-dev');
  say('apt-get install gcc (to build regress.so)');
  await mustRun('apt-get', ['install', '-y', '-q', 'gcc', 'libc6-dev'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

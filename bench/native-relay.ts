// Builds the C relay of the benchmark (native-relay/relay.c) with node-gyp,
// which comes with npm, against the running Node's own headers: no network.
// Built once per checkout; a machine without a C compiler skips the paths.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const DIR = fileURLToPath(new URL('./native-relay/', import.meta.url));
const ADDON = join(DIR, 'build', 'Release', 'native_relay.node');

/** The built addon's file, for require(). */
export function nativeRelayAddon(): string {
  return ADDON;
}

/** node-gyp as npm ships it, beside the running node; with the headers under the same prefix. */
function nodeGyp(): { script: string; nodeDir: string } | undefined {
  const prefix = dirname(dirname(process.execPath));
  const script = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(script) || !existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return undefined;
  return { script, nodeDir: prefix };
}

let built: Promise<string | undefined> | undefined;

/** Undefined once the addon is there, else why it cannot be. */
export function buildNativeRelay(): Promise<string | undefined> {
  built ??= build();
  return built;
}

async function build(): Promise<string | undefined> {
  if (existsSync(ADDON)) return undefined;
  const gyp = nodeGyp();
  if (gyp === undefined) return 'node-gyp or the Node headers are not beside this node';
  try {
    await promisify(execFile)(process.execPath, [gyp.script, 'rebuild', `--nodedir=${gyp.nodeDir}`], { cwd: DIR });
    return undefined;
  } catch (error) {
    const output = (error as { stderr?: string }).stderr ?? (error as Error).message;
    return `building native-relay failed: ${output.trimEnd().split('\n').slice(-5).join(' / ')}`;
  }
}

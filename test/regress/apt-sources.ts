// A deb-src entry for the distribution's own archive, so that `apt-get source`
// can fetch the server's source. Written next to the system's entries, with
// the same URIs, suites, components and keys.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const DEB_SRC_FILE = '/etc/apt/sources.list.d/pggit-src.sources';
const APT_DIR = '/etc/apt';

interface Entry {
  readonly types: readonly string[];
  readonly uris: readonly string[];
  readonly suites: readonly string[];
  readonly components: readonly string[];
  readonly signedBy?: string | undefined;
}

/**
 * The deb-src stanzas (deb822) to add, or undefined when the system already
 * has a deb-src entry for its release.
 */
export async function missingDebSrc(): Promise<string | undefined> {
  const codename = await releaseCodename();
  const entries = await readEntries();
  const ofRelease = (entry: Entry): readonly string[] => entry.suites.filter((suite) => suite.split(/[-/]/)[0] === codename);
  if (entries.some((entry) => entry.types.includes('deb-src') && ofRelease(entry).length > 0)) return undefined;
  const stanzas = entries
    .filter((entry) => entry.types.includes('deb') && ofRelease(entry).length > 0)
    .map((entry) =>
      [
        'Types: deb-src',
        `URIs: ${entry.uris.join(' ')}`,
        `Suites: ${ofRelease(entry).join(' ')}`,
        `Components: ${entry.components.join(' ')}`,
        ...(entry.signedBy ? [`Signed-By: ${entry.signedBy}`] : []),
      ].join('\n'),
    );
  if (stanzas.length === 0) throw new Error(`no apt "deb" entry for release "${codename}" to derive a deb-src entry from`);
  return `# Added by pggit's regression runner (npm run test:regress) for apt-get source.\n${stanzas.join('\n\n')}\n`;
}

async function releaseCodename(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8');
  const codename = /^VERSION_CODENAME=("?)([^"\n]+)\1$/m.exec(text)?.[2];
  if (!codename) throw new Error('/etc/os-release names no VERSION_CODENAME');
  return codename;
}

async function readEntries(): Promise<Entry[]> {
  const files = [join(APT_DIR, 'sources.list')];
  const listDir = join(APT_DIR, 'sources.list.d');
  const names = await readdir(listDir).catch(() => [] as string[]);
  for (const name of names.sort()) files.push(join(listDir, name));
  const entries: Entry[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    if (file.endsWith('.sources')) entries.push(...parseDeb822(text));
    else if (file.endsWith('.list')) entries.push(...parseOneLine(text));
  }
  return entries;
}

/** deb822 stanzas: "Key: value" lines, a blank line between stanzas. */
export function parseDeb822(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      fields.set(last, line.slice(colon + 1).trim());
    }
    if (fields.get('enabled')?.toLowerCase() === 'no') continue;
    const words = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
    if (words('types').length === 0 || words('uris').length === 0) continue;
    entries.push({
      types: words('types'),
      uris: words('uris'),
      suites: words('suites'),
      components: words('components'),
      signedBy: fields.get('signed-by'),
    });
  }
  return entries;
}

/** One-line format: `deb [signed-by=...] URI SUITE COMPONENT...`. */
export function parseOneLine(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const match = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(match[2] ?? '')?.[1];
    entries.push({
      types: [match[1] ?? 'deb'],
      uris: [match[3] ?? ''],
      suites: [match[4] ?? ''],
      components: (match[5] ?? '').split(/\s+/).filter(Boolean),
      signedBy,
    });
  }
  return entries;
}

// DESIGN.md's rule: a room (a folder of src/) imports only from the rooms
// listed above it. Checked from the import lines of every source file.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const ROOMS = ['protocol', 'metrics', 'ddl', 'store', 'history', 'plan', 'branch', 'proxy', 'http', 'cluster', 'cli'];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  );
  return nested.flat().filter((file) => file.endsWith('.ts'));
}

function roomOf(file: string): string {
  return relative(SRC, file).split(sep)[0]!;
}

describe('room boundaries', () => {
  it('every room imports only from rooms above it in DESIGN.md order', async () => {
    const violations: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const room = roomOf(file);
      const rank = ROOMS.indexOf(room);
      expect(rank, `${room} is not a known room`).toBeGreaterThanOrEqual(0);
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/^(?:import|export)[^'"]*from\s+['"](\.[^'"]+)['"]/gm)) {
        const target = roomOf(join(file, '..', match[1]!));
        if (target !== room && ROOMS.indexOf(target) > rank) violations.push(`${relative(SRC, file)} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });
});

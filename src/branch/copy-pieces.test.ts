import { describe, expect, it } from 'vitest';
import { MIN_PIECE_BYTES, pieceSource, splitTables } from './copy-pieces.js';
import type { TableToCopy } from './copy-plan.js';

const PAGE = 8192;

function table(name: string, pages: number): TableToCopy {
  return { qualified: `public.${name}`, columns: 'id, note', binary: true, bytes: pages * PAGE, pages };
}

describe('splitTables', () => {
  const big = table('big', 40_000); // 312.5 MiB
  const small = table('small', 100);

  it('splits a big table into page ranges that cover it, the last one open-ended, largest pieces first', () => {
    const pieces = splitTables([big, small], { jobs: 2, serverVersion: 150000 });
    const ofBig = pieces.filter((piece) => piece.table === big);
    // 313.3 MiB in all over 2 jobs x 4 pieces: pieces of just over 39 MiB, so big is 7 of them.
    expect(ofBig).toHaveLength(7);
    const ranges = ofBig.map((piece) => piece.pages!).sort((a, b) => a.from - b.from);
    expect(ranges[0]!.from).toBe(0);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.from).toBe(ranges[i - 1]!.to);
    expect(ranges.at(-1)!.to).toBeNull();
    expect(pieces.at(-1)).toMatchObject({ table: small, pages: null });
    expect(pieces.map((piece) => piece.bytes)).toEqual(pieces.map((piece) => piece.bytes).sort((a, b) => b - a));
  });

  it('leaves tables whole with one job, before PostgreSQL 14 (no TID range scans), or when smaller than two pieces', () => {
    expect(splitTables([big], { jobs: 1, serverVersion: 150000 })).toEqual([{ table: big, pages: null, bytes: big.bytes }]);
    expect(splitTables([big], { jobs: 4, serverVersion: 130000 })).toHaveLength(1);
    const almost = table('almost', Math.floor((2 * MIN_PIECE_BYTES) / PAGE) - 1);
    expect(splitTables([almost], { jobs: 4, serverVersion: 180000 })).toHaveLength(1);
  });

  it('reads a range by ctid, and a whole table by its column list', () => {
    const [first, second] = splitTables([table('t', 10)], { jobs: 2, serverVersion: 150000, pieceBytes: 5 * PAGE }).sort((a, b) => a.pages!.from - b.pages!.from);
    expect(pieceSource(first!)).toBe(`(SELECT id, note FROM public.t WHERE ctid >= '(0,0)'::tid AND ctid < '(5,0)'::tid)`);
    expect(pieceSource(second!)).toBe(`(SELECT id, note FROM public.t WHERE ctid >= '(5,0)'::tid)`);
    expect(pieceSource({ table: small, pages: null, bytes: 0 })).toBe('public.small (id, note)');
  });
});

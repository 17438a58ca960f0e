// Sizes as people write them ("10GB", "512 MB", "1.5 TB"): the grammar and
// 1024-based units of PostgreSQL's pg_size_bytes(), so a size means the same
// to pggit and to the server (test/branch-sizes.test.ts compares both).
const UNITS: Readonly<Record<string, number>> = {
  bytes: 1,
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
  pb: 1024 ** 5,
};

const SIZE = /^\s*(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*([a-z]*)\s*$/i;

/** Bytes, or undefined when text is not a size pg_size_bytes accepts (negative sizes are refused too). */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text);
  if (!match) return undefined;
  const unit = match[3]!.toLowerCase();
  const factor = unit === '' ? 1 : UNITS[unit];
  if (factor === undefined) return undefined;
  const value = Number(`${match[1]}${match[2] === undefined ? '' : `e${match[2]}`}`);
  // The server rounds numeric to bigint half away from zero: Math.round for positive sizes.
  return Math.round(value * factor);
}

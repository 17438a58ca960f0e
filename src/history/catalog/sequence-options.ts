// Sequence options written only where they differ from what CREATE SEQUENCE
// (or an identity column) would pick by itself.

export interface SequenceParameters {
  /** format_type of the sequence's data type. */
  readonly type: string;
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cache: string;
  readonly cycle: boolean;
}

const RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/**
 * The option clauses, in CREATE SEQUENCE order. `ownType` is the type the
 * sequence would get without AS (bigint for CREATE SEQUENCE, the column's
 * type for an identity column).
 */
export function sequenceOptions(seq: SequenceParameters, ownType: string): string[] {
  const [typeMin, typeMax] = RANGES[seq.type] ?? RANGES['bigint']!;
  const increment = BigInt(seq.increment);
  const ascending = increment > 0n;
  const defaultMin = ascending ? 1n : typeMin;
  const defaultMax = ascending ? typeMax : -1n;
  const min = BigInt(seq.min);
  const max = BigInt(seq.max);
  const options: string[] = [];
  if (seq.type !== ownType) options.push(`AS ${seq.type}`);
  if (increment !== 1n) options.push(`INCREMENT BY ${increment}`);
  if (min !== defaultMin) options.push(`MINVALUE ${min}`);
  if (max !== defaultMax) options.push(`MAXVALUE ${max}`);
  if (BigInt(seq.start) !== (ascending ? min : max)) options.push(`START WITH ${seq.start}`);
  if (seq.cache !== '1') options.push(`CACHE ${seq.cache}`);
  if (seq.cycle) options.push('CYCLE');
  return options;
}

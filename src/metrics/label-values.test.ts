import { describe, expect, it } from 'vitest';
import { ApplicationLabels, OTHER_APPLICATION, UNKNOWN_APPLICATION, sqlstateClass } from './label-values.js';

describe('application label', () => {
  it('keeps the first N names and folds later ones into other', () => {
    const labels = new ApplicationLabels(20);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(labels.label(`app-${i}`));
    expect(seen.size).toBe(21);
    expect(seen.has(OTHER_APPLICATION)).toBe(true);
    expect(labels.size).toBe(20);
    // A name that got a label keeps it; one that did not stays folded.
    expect(labels.label('app-3')).toBe('app-3');
    expect(labels.label('app-500')).toBe(OTHER_APPLICATION);
  });

  it('labels a connection without application_name unknown, without using a slot', () => {
    const labels = new ApplicationLabels(1);
    expect(labels.label('')).toBe(UNKNOWN_APPLICATION);
    expect(labels.label('psql')).toBe('psql');
    expect(labels.label('')).toBe(UNKNOWN_APPLICATION);
    expect(labels.label('pgbench')).toBe(OTHER_APPLICATION);
  });

  it('truncates a name to 63 characters as PostgreSQL does', () => {
    const labels = new ApplicationLabels(5);
    const long = 'x'.repeat(100);
    expect(labels.label(long)).toBe('x'.repeat(63));
    expect(labels.label(`${'x'.repeat(63)}y`)).toBe('x'.repeat(63));
    expect(labels.size).toBe(1);
  });

  it('with a limit of 0 counts every application as other', () => {
    expect(new ApplicationLabels(0).label('psql')).toBe(OTHER_APPLICATION);
  });

  it('refuses a negative or fractional limit', () => {
    expect(() => new ApplicationLabels(-1)).toThrow(RangeError);
    expect(() => new ApplicationLabels(1.5)).toThrow(RangeError);
  });
});

describe('SQLSTATE class label', () => {
  it('is the first two characters of a valid SQLSTATE', () => {
    expect(sqlstateClass('42P01')).toBe('42');
    expect(sqlstateClass('23505')).toBe('23');
    expect(sqlstateClass('XX000')).toBe('XX');
  });

  it('is unknown for anything else', () => {
    expect(sqlstateClass('')).toBe('unknown');
    expect(sqlstateClass('4')).toBe('unknown');
    expect(sqlstateClass('a1234')).toBe('unknown');
  });
});

import { describe, expect, it } from 'vitest';
import { reloption } from './columns.js';
import { sequenceOptions } from './sequence-options.js';

const defaults = { type: 'bigint', start: '1', increment: '1', min: '1', max: '9223372036854775807', cache: '1', cycle: false };

describe('sequence options', () => {
  it('say nothing about what CREATE SEQUENCE picks by itself', () => {
    expect(sequenceOptions(defaults, 'bigint')).toEqual([]);
    expect(sequenceOptions({ ...defaults, type: 'integer', max: '2147483647' }, 'integer')).toEqual([]);
  });

  it('write the type, step, bounds, start, cache and cycle that differ', () => {
    expect(sequenceOptions({ ...defaults, type: 'integer', max: '2147483647', start: '1000', increment: '5', cache: '20', cycle: true }, 'bigint')).toEqual([
      'AS integer',
      'INCREMENT BY 5',
      'START WITH 1000',
      'CACHE 20',
      'CYCLE',
    ]);
  });

  it('judge the defaults of a descending sequence by its own rules', () => {
    expect(sequenceOptions({ ...defaults, increment: '-1', min: '-9223372036854775808', max: '-1', start: '-1' }, 'bigint')).toEqual([
      'INCREMENT BY -1',
    ]);
    expect(sequenceOptions({ ...defaults, type: 'smallint', increment: '-1', min: '-100', max: '0', start: '-5' }, 'smallint')).toEqual([
      'INCREMENT BY -1',
      'MINVALUE -100',
      'MAXVALUE 0',
      'START WITH -5',
    ]);
  });
});

describe('storage options', () => {
  it('quote values that are not plain words or numbers', () => {
    expect(reloption('fillfactor=70')).toBe('fillfactor=70');
    expect(reloption('autovacuum_vacuum_scale_factor=0.01')).toBe('autovacuum_vacuum_scale_factor=0.01');
    expect(reloption('check_option=local')).toBe('check_option=local');
    expect(reloption("weird=it's here")).toBe("weird='it''s here'");
  });
});

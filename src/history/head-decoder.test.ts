import { describe, expect, it } from 'vitest';
import { decodeObject } from './catalog/index.js';
import { HeadDecoder } from './head-decoder.js';

const A = 'CREATE SCHEMA a;';
const B = 'CREATE SCHEMA b;';

describe('decoding branch heads', () => {
  it('reuses an object while its stored text is unchanged, and decodes it again when the text changes', () => {
    const heads = new HeadDecoder();
    const [first] = heads.decode('app', new Map([['schema:a', A]]));
    const [again] = heads.decode('app', new Map([['schema:a', A]]));
    expect(again).toBe(first);
    const [changed] = heads.decode('app', new Map([['schema:a', 'CREATE SCHEMA a AUTHORIZATION alice;']]));
    expect(changed).not.toBe(first);
    expect(changed!.definition).toBe('CREATE SCHEMA a AUTHORIZATION alice;');
  });

  it('keeps only the objects of the last head: a dropped object is not kept', () => {
    const heads = new HeadDecoder();
    const [, b] = heads.decode('app', new Map([['schema:a', A], ['schema:b', B]]));
    heads.decode('app', new Map([['schema:a', A]]));
    const [, bAgain] = heads.decode('app', new Map([['schema:a', A], ['schema:b', B]]));
    expect(bAgain).toEqual(b);
    expect(bAgain).not.toBe(b);
  });

  it('keeps databases apart and forgets one on request', () => {
    const heads = new HeadDecoder();
    const [inApp] = heads.decode('app', new Map([['schema:a', A]]));
    const [inOther] = heads.decode('other', new Map([['schema:a', A]]));
    expect(inOther).not.toBe(inApp);
    expect(heads.decode('app', new Map([['schema:a', A]]))[0]).toBe(inApp);
    heads.forget('app');
    expect(heads.decode('app', new Map([['schema:a', A]]))[0]).not.toBe(inApp);
  });

  it('gives back the tree the recorder wrote when the head is that tree, and decodes afresh when another writer moved it', () => {
    const heads = new HeadDecoder();
    const first = heads.decode('app', new Map([['schema:a', A]]));
    const b = decodeObject('schema:b', B);
    const next = [...first, b];
    heads.advance('app', next, new Map([['schema:b', B]]), new Map([['schema:b', b]]));
    expect(heads.decode('app', new Map([['schema:a', A], ['schema:b', B]]))).toBe(next);
    const moved = heads.decode('app', new Map([['schema:a', A], ['schema:b', 'CREATE SCHEMA b AUTHORIZATION bob;']]));
    expect(moved).not.toBe(next);
    expect(moved.map((object) => object.definition)).toEqual([A, 'CREATE SCHEMA b AUTHORIZATION bob;']);
  });
});

import { describe, expect, it } from 'vitest';
import { branchDatabaseName, invalidBranchName } from './names.js';
import { branchRequest, extractBranchOption, needsRewrite, upstreamParameters } from './router.js';

const params = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

describe('branch router', () => {
  it('reads app as main, app@feature as feature', () => {
    expect(branchRequest(params({ user: 'u', database: 'app' }))).toMatchObject({ kind: 'request', request: { repository: 'app', branch: 'main' } });
    expect(branchRequest(params({ user: 'u', database: 'app@feature' }))).toMatchObject({ kind: 'request', request: { repository: 'app', branch: 'feature' } });
    expect(branchRequest(params({ user: 'u', database: 'we@ird@feature' }))).toMatchObject({ request: { repository: 'we@ird', branch: 'feature' } });
    expect(branchRequest(params({ user: 'app' }))).toMatchObject({ request: { repository: 'app', branch: 'main' } });
  });

  it('takes the branch from options and removes it there', () => {
    const request = branchRequest(params({ user: 'u', database: 'app', options: '-c statement_timeout=5s -c pggit.branch=feature' }));
    expect(request).toMatchObject({ kind: 'request', request: { branch: 'feature', options: '-c statement_timeout=5s', optionsChanged: true } });
    expect(extractBranchOption('--pggit.branch=f1')).toEqual({ branch: 'f1', rest: undefined, changed: true });
    expect(extractBranchOption('-cpggit.branch=f2 --search_path=a\\ b')).toEqual({ branch: 'f2', rest: '--search_path=a\\ b', changed: true });
    expect(extractBranchOption('-c  geqo=off')).toEqual({ branch: undefined, rest: '-c  geqo=off', changed: false });
  });

  it('refuses a branch named twice differently, and invalid names', () => {
    expect(branchRequest(params({ user: 'u', database: 'app@a', options: '-c pggit.branch=b' }))).toMatchObject({ kind: 'error', sqlstate: '22023' });
    expect(branchRequest(params({ user: 'u', database: 'app@a', options: '-c pggit.branch=a' }))).toMatchObject({ kind: 'request' });
    expect(branchRequest(params({ user: 'u', database: 'app@' }))).toMatchObject({ kind: 'error', sqlstate: '3D000' });
    expect(invalidBranchName('ok/feature-1.2')).toBeUndefined();
    expect(invalidBranchName('-x')).toBeDefined();
  });

  it('rewrites database and options upstream, keeping the order of the rest', () => {
    const startup = params({ user: 'u', database: 'app', options: '-c pggit.branch=f', application_name: 'psql' });
    const result = branchRequest(startup);
    if (result.kind !== 'request') throw new Error('expected a request');
    expect(needsRewrite(startup, result.request, 'app@f')).toBe(true);
    expect([...upstreamParameters(startup, result.request, 'app@f')]).toEqual([
      ['user', 'u'],
      ['database', 'app@f'],
      ['application_name', 'psql'],
    ]);
    const plain = params({ user: 'u', database: 'app' });
    const main = branchRequest(plain);
    if (main.kind !== 'request') throw new Error('expected a request');
    expect(needsRewrite(plain, main.request, 'app')).toBe(false);
  });

  it('names branch databases app@branch, hashed when longer than 63 bytes', () => {
    expect(branchDatabaseName('app', 'main')).toBe('app');
    expect(branchDatabaseName('app', 'feature')).toBe('app@feature');
    const long = branchDatabaseName('a'.repeat(40), 'b'.repeat(40));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^a{40}@b+~[0-9a-f]{10}$/);
    expect(branchDatabaseName('a'.repeat(40), 'b'.repeat(40))).toBe(long);
    expect(branchDatabaseName('é'.repeat(40), 'x')).toMatch(/~[0-9a-f]{10}$/);
  });
});

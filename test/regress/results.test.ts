import { describe, expect, it } from 'vitest';
import { parseDeb822, parseOneLine } from './apt-sources.js';
import { compare, failures, onlyGuardWarnings, parseVerdicts, splitDiffs } from './results.js';
import { upstreamVersion } from './server.js';

const LOG = `test test_setup                   ... ok          339 ms
parallel group (20 tests):  char varchar name text int2 int4 int8 oid float4
     boolean                      ... ok           85 ms
     char                         ... FAILED       60 ms
     random                       ... failed (ignored)       12 ms
     infinite_recurse             ... FAILED (test process exited with exit code 2)      473 ms
test select_parallel              ... FAILED (test process exited with exit code 2)     4419 ms
test a_test_name_longer_than_twenty_eight ... ok   7 ms
`;

describe('the regression runner', () => {
  it('reads every per-test verdict of a PostgreSQL 15 pg_regress log, crashes included', () => {
    const verdicts = parseVerdicts(LOG);
    expect([...verdicts]).toEqual([
      ['test_setup', 'ok'],
      ['boolean', 'ok'],
      ['char', 'failed'],
      ['random', 'ignored'],
      ['infinite_recurse', 'failed'],
      ['select_parallel', 'failed'],
      ['a_test_name_longer_than_twenty_eight', 'ok'],
    ]);
    expect(failures(verdicts)).toEqual(['char', 'infinite_recurse', 'select_parallel']);
  });

  it('reads the TAP lines of newer pg_regress versions', () => {
    expect([...parseVerdicts('ok 1         - test_setup    339 ms\nnot ok 2     + boolean   85 ms\n')]).toEqual([
      ['test_setup', 'ok'],
      ['boolean', 'failed'],
    ]);
  });

  it('blames the proxy only for failures and missing results that the direct run does not share', () => {
    const direct = parseVerdicts('test a ... ok 1 ms\ntest b ... FAILED 1 ms\ntest c ... FAILED 1 ms\ntest d ... ok 1 ms\n');
    const proxied = parseVerdicts('test a ... FAILED 1 ms\ntest b ... FAILED 1 ms\ntest c ... ok 1 ms\n');
    expect(compare(direct, proxied)).toEqual({ proxiedOnly: ['a'], missing: ['d'], both: ['b'], directOnly: ['c'] });
  });

  it('splits regression.diffs into one section per test', () => {
    const diffs = [
      'diff -U3 /s/expected/char.out /o/results/char.out',
      '--- /s/expected/char.out',
      '+++ /o/results/char.out',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      'diff -U3 /s/expected/copy_1.out /o/results/copy.out',
      '@@ -2 +2 @@',
      '',
    ].join('\n');
    const sections = splitDiffs(diffs);
    expect([...sections.keys()]).toEqual(['char', 'copy']);
    expect(sections.get('char')).toContain('+b\n');
    expect(sections.get('char')).not.toContain('copy');
  });

  it('derives deb-src entries from deb822 and one-line apt sources', () => {
    const deb822 = parseDeb822(
      'Types: deb\n# a comment\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /k.gpg\n\nTypes: deb\nURIs: http://x\nSuites: s\nComponents: c\nEnabled: no\n',
    );
    expect(deb822).toEqual([
      { types: ['deb'], uris: ['http://deb.debian.org/debian'], suites: ['bookworm', 'bookworm-updates'], components: ['main'], signedBy: '/k.gpg' },
    ]);
    expect(parseOneLine('deb [arch=amd64 signed-by=/k.gpg] http://m/debian bookworm main contrib # c\n#deb http://n x y\n')).toEqual([
      { types: ['deb'], uris: ['http://m/debian'], suites: ['bookworm'], components: ['main', 'contrib'], signedBy: '/k.gpg' },
    ]);
  });

  it('reads the upstream version from postgres --version and pg_config --version', () => {
    expect(upstreamVersion('postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n')).toBe('15.18');
    expect(upstreamVersion('PostgreSQL 15.18 (Debian 15.18-0+deb12u1)')).toBe('15.18');
    expect(upstreamVersion('PostgreSQL 18beta1')).toBe('18beta1');
  });
});

describe('a diff made only of guard warnings', () => {
  const header = '--- a/expected/x.out\n+++ b/results/x.out\n@@ -1,3 +1,6 @@\n CREATE TABLE big (a int);\n';
  const warning = '+WARNING:  pggit guard warning: SHARE_LOCK on big (104,284 rows, 10.0 MB), lock SHARE: CREATE INDEX i ON big(a)\n+DETAIL:  SHARE_LOCK: blocks writes.\n+Lock taken: SHARE.\n+HINT:  Safer: CREATE INDEX CONCURRENTLY.\n';

  it('counts the warnings when the diff adds nothing else', () => {
    expect(onlyGuardWarnings(`${header}${warning} CREATE INDEX i ON big(a);\n${warning}${warning} DROP TABLE big;\n`)).toBe(3);
  });

  it('is undefined when a line is removed, another line is added, or nothing differs', () => {
    expect(onlyGuardWarnings(`${header}${warning}-CREATE INDEX\n`)).toBeUndefined();
    expect(onlyGuardWarnings(`${header}+ERROR:  relation "big" does not exist\n${warning}`)).toBeUndefined();
    expect(onlyGuardWarnings(`${header} CREATE INDEX i ON big(a);\n`)).toBeUndefined();
  });
});

// The history JSON API of a running `pggit proxy`, against a history it
// recorded itself: the answers are what `pggit log|show|schema --json`
// print (one function behind both), errors are {code, message} with 404 for
// what does not exist, and writes need the token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommitDetails, LogResult, SchemaAt } from '../src/history/index.js';
import { runCliJson } from './harness/cli.js';
import { migrate, recordHistory, type RecordedHistory } from './harness/recorded-history.js';

let history: RecordedHistory;

const api = async (path: string, init?: RequestInit): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${history.proxy.http}${path}`, init);
  return { status: response.status, body: await response.json() };
};
const cli = <T>(args: string[]) => runCliJson<T>([...args, '--db', history.app], history.env);

beforeAll(async () => {
  history = await recordHistory('hapi');
  await migrate(history);
}, 300_000);

afterAll(async () => {
  await history?.stop();
});

describe('history JSON API', () => {
  it('lists repositories with their branches', async () => {
    const { status, body } = await api('/api/repositories');
    expect(status).toBe(200);
    const repository = body.repositories.find((entry: { name: string }) => entry.name === history.app);
    expect(repository.branches.map((branch: { name: string }) => branch.name)).toEqual(['feature', 'main']);
    expect(repository.branches[0]).toMatchObject({ database: `${history.app}@feature`, createdFrom: repository.branches[1].head });
  });

  it('answers log, commit and schema exactly as the CLI prints them', async () => {
    const log = await api(`/api/log?db=${history.app}&branch=feature&n=4`);
    expect(log.status).toBe(200);
    expect(log.body).toEqual(await cli<LogResult>(['log', '--branch', 'feature', '-n', '4']));
    expect(log.body.commits.map((commit: { message: string }) => commit.message)[0]).toBe('users: email may be empty');

    const orders = await api(`/api/log?db=${history.app}&object=public.orders`);
    expect(orders.body.commits.map((commit: { message: string }) => commit.message)).toEqual(
      (await cli<LogResult>(['log', '--object', 'public.orders'])).commits.map((commit) => commit.message),
    );
    expect(orders.body.commits.some((commit: { message: string }) => commit.message === 'orders: a table of their own')).toBe(true);

    const commit = await api(`/api/commits/HEAD~1?db=${history.app}&branch=feature`);
    expect(commit.body).toEqual(await cli<CommitDetails>(['show', 'HEAD~1', '--branch', 'feature']));
    expect(commit.body.diff.changed[0].diff.join('\n')).toContain('+    nickname text');

    const schema = await api(`/api/schema?db=${history.app}&at=main~1`);
    expect(schema.body).toEqual(await cli<SchemaAt>(['schema', '--at', 'main~1']));
  });

  it('answers 404 with {code, message} for unknown repositories, branches and revisions, 400 for bad input', async () => {
    expect(await api(`/api/log?db=nope`)).toMatchObject({ status: 404, body: { code: 'UNKNOWN_REPOSITORY' } });
    expect(await api(`/api/log?db=${history.app}&branch=nope`)).toMatchObject({ status: 404, body: { code: 'UNKNOWN_BRANCH' } });
    const unknown = await api(`/api/commits/deadbeef?db=${history.app}`);
    expect(unknown).toMatchObject({ status: 404, body: { code: 'UNKNOWN_REF' } });
    expect(unknown.body.message).toContain('deadbeef');
    expect(await api(`/api/schema?db=${history.app}&at=main~99`)).toMatchObject({ status: 404, body: { code: 'UNKNOWN_REF' } });
    expect(await api(`/api/log?db=${history.app}&n=-1`)).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(await api(`/api/log?db=${history.app}&object=a.b.c`)).toMatchObject({ status: 400, body: { code: 'BAD_OBJECT_NAME' } });
  });

  it('keeps writes behind the token', async () => {
    const body = JSON.stringify({ name: 'other', db: history.app });
    expect((await api('/api/branches', { method: 'POST', body })).status).toBe(401);
    expect((await api('/api/branches', { method: 'POST', body, headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await api(`/api/branches/feature?db=${history.app}`, { method: 'DELETE' })).body).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

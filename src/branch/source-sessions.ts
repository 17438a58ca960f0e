// Who else is connected to a database that is about to be a template
// (CREATE DATABASE ... TEMPLATE needs it to have no other session). The
// server's pg_stat_activity is the one list that has them all: sessions
// that come through any pggit proxy (pggit's proxies run in other
// processes, so this one cannot ask them), pggit's own connections (the
// recorder's catalog reads), and clients that connect directly.
import type pg from 'pg';

export interface SourceSession {
  readonly pid: number;
  readonly user: string;
  readonly application: string;
  /** Client address, or "local" for a Unix socket. */
  readonly client: string;
  readonly state: string;
  /** pggit's own connection (recorder, branch operations): ended without asking. */
  readonly pggit: boolean;
}

/** application_names of pggit's own connections: the recorder's and the guard's catalog pools (which reconnect when ended), branch operations, the store. */
export const PGGIT_APPLICATIONS = ['pggit recorder', 'pggit guard', 'pggit branch', 'pggit history', 'pggit'];

export async function sessionsOn(admin: pg.ClientBase, database: string): Promise<SourceSession[]> {
  const { rows } = await admin.query<SourceSession>(
    `SELECT pid, coalesce(usename, '?') AS user, coalesce(application_name, '') AS application,
            coalesce(host(client_addr), 'local') AS client, coalesce(state, '?') AS state,
            application_name = ANY($2) AS pggit
       FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
      ORDER BY pid`,
    [database, PGGIT_APPLICATIONS],
  );
  return rows;
}

/** Ends sessions and waits (up to 5 s each, on the server) until they are gone. */
export async function terminateSessions(admin: pg.ClientBase, sessions: readonly SourceSession[]): Promise<void> {
  if (sessions.length === 0) return;
  await admin.query('SELECT pg_terminate_backend(pid, 5000) FROM unnest($1::int[]) AS pid', [sessions.map((session) => session.pid)]);
}

export function describeSession(session: SourceSession): string {
  const application = session.application ? ` "${session.application}"` : '';
  return `pid ${session.pid} (${session.user}${application} from ${session.client}, ${session.state})`;
}

// --clone: the branch database is a copy of the source's files, made by the
// server: CREATE DATABASE ... TEMPLATE source STRATEGY FILE_COPY (PostgreSQL
// 15+). On PostgreSQL 18, file_copy_method = clone (a user setting, so
// pggit sets it for its own session) makes that a reflink copy on XFS,
// Btrfs or ZFS: near-instant, sharing blocks until they change. Elsewhere
// the server may copy the blocks without a word (on Linux it clones with
// copy_file_range, which falls back to copying), so `clone` says what was
// asked for, not what the filesystem did; when the server refuses to clone,
// the copy is made the plain way and the result says so. `pggit up`'s banner
// checks its own data directory for reflinks. The source must have no other sessions: they are listed,
// and ended only when asked (--terminate); pggit's own connections to it
// are ended anyway.
import pg from 'pg';
import { withDatabase, type BranchContext } from './admin.js';
import { BranchError } from './branch-error.js';
import { createDatabaseError } from './branch-database.js';
import { describeSession, sessionsOn, terminateSessions, type SourceSession } from './source-sessions.js';

export interface CloneInput {
  readonly source: string;
  readonly database: string;
  readonly terminate?: boolean | undefined;
  /** Told which sessions are about to be ended, before they are. */
  readonly onTerminate?: ((sessions: readonly SourceSession[]) => void) | undefined;
  /** Awaited once the source's sessions are checked (and ended), before CREATE DATABASE (a test connects there). */
  readonly onSourceChecked?: (() => Promise<void>) | undefined;
}

export type CloneMethod = 'clone' | 'file_copy';

export interface Cloned {
  readonly method: CloneMethod;
  /** Why the copy is not a reflink clone, when it is not. */
  readonly note: string | null;
  readonly terminated: readonly SourceSession[];
}

const OBJECT_IN_USE = '55006';

export async function cloneDatabase(context: BranchContext, input: CloneInput): Promise<Cloned> {
  return withDatabase(context, undefined, async (admin) => {
    const version = Number((await admin.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
    if (version < 150000) throw new BranchError('CLONE_UNAVAILABLE', `--clone needs PostgreSQL 15 or later (CREATE DATABASE ... STRATEGY FILE_COPY); the server is ${Math.floor(version / 10000)}`);
    const sessions = await sessionsOn(admin, input.source);
    const clients = sessions.filter((session) => !session.pggit);
    if (clients.length > 0 && !input.terminate) {
      throw new BranchError(
        'SOURCE_IN_USE',
        `--clone copies database "${input.source}", which must have no other session; open: ${clients.map(describeSession).join(', ')}. Close them, or add --terminate to end them`,
      );
    }
    if (clients.length > 0) input.onTerminate?.(clients);
    await terminateSessions(admin, sessions).catch((error: unknown) => {
      throw new BranchError('PERMISSION_DENIED', `cannot end the sessions on "${input.source}": ${(error as Error).message} (SQLSTATE ${(error as { code?: string }).code ?? '?'})`);
    });
    await input.onSourceChecked?.();
    const canClone = version >= 180000;
    const create = `CREATE DATABASE ${pg.escapeIdentifier(input.database)} TEMPLATE ${pg.escapeIdentifier(input.source)} STRATEGY FILE_COPY`;
    let note = canClone ? null : `PostgreSQL ${Math.floor(version / 10000)} has no file_copy_method = clone (18+): the files were copied`;
    if (canClone) {
      await admin.query('SET file_copy_method = clone');
      try {
        await createFrom(admin, create, input);
        return { method: 'clone', note, terminated: clients };
      } catch (error) {
        if (error instanceof BranchError || !/clone/i.test((error as Error).message)) throw error;
        note = `the server's filesystem cannot clone (${(error as Error).message}): the files were copied`;
        await admin.query('SET file_copy_method = copy');
      }
    }
    await createFrom(admin, create, input);
    return { method: 'file_copy', note, terminated: clients };
  });
}

async function createFrom(admin: pg.Client, create: string, input: CloneInput): Promise<void> {
  try {
    await admin.query(create);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === OBJECT_IN_USE) {
      // A session that connected after pggit looked: the server counts it, pg_stat_activity names it.
      const detail = (error as { detail?: string }).detail;
      const open = await sessionsOn(admin, input.source).catch(() => []);
      const named = open.length > 0 ? `; open now: ${open.map(describeSession).join(', ')}` : '';
      throw new BranchError(
        'SOURCE_IN_USE',
        `${message}${detail ? ` (${detail.replace(/\.$/, '')})` : ''} (SQLSTATE 55006): a session connected to "${input.source}" after pggit checked it${named}. Close it, or retry with --terminate`,
      );
    }
    if (code === '42501') {
      throw new BranchError('PERMISSION_DENIED', `${message} (SQLSTATE 42501): --clone needs CREATEDB and ownership of "${input.source}" (or a superuser)`);
    }
    throw createDatabaseError(error, input.database);
  }
}

// A transaction's schema read inside it, just before it commits (DESIGN.md,
// Exactness): pggit's own queries run on the session's connection while the
// client's bytes wait in the relay, their answers diverted away from the
// client. Two moments: a block's COMMIT (readBeforeCommit), and an
// autocommit schema change that pggit runs in a block of its own
// (AutocommitAhead).
import type { ChangeSet, TakenContent } from '../ddl/index.js';
import type { ReadAhead } from '../history/index.js';
import { encodeErrorResponse } from '../protocol/index.js';
import { serialize } from 'pg-protocol';
import { InjectedQueries, type InjectedResult } from './injected-queries.js';
import { LeadingReply } from './leading-reply.js';
import type { Relay } from './relay.js';

/** The block's start, sent right before the client's Query. */
const BEGIN = serialize.query('BEGIN');

/** ReadyForQuery, idle: what the client of a wrapped autocommit statement gets. */
const READY_IDLE = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);

/**
 * Runs `work` with pggit's own queries on the session's connection: every
 * server byte goes to them, none to the client, until `work` and every
 * query it sent are over. Only while the server owes the client nothing and
 * the client's bytes are held.
 */
export async function withOwnQueries<T>(
  relay: Relay,
  work: (queries: InjectedQueries) => Promise<T>,
  prepared?: Set<string>,
  notification: (message: Buffer) => void = (message) => relay.sendToClient(message),
): Promise<T> {
  let queries: InjectedQueries | undefined;
  const diversion = relay.divertServer((chunk) => queries?.push(chunk));
  queries = new InjectedQueries(diversion.write, notification, diversion.endWith, prepared);
  const own = queries;
  try {
    return await work(own);
  } finally {
    await own.settled();
    diversion.end();
  }
}

/**
 * A block's COMMIT is the client message being read: read first, while the
 * COMMIT (and what follows it) waits. False when the COMMIT is not the first
 * message of its chunk (something of the client's would go before the read).
 */
export function readBeforeCommit(relay: Relay, ahead: ReadAhead, prepared: Set<string>): boolean {
  if (!relay.clientMessageStartsChunk) return false;
  // Not bounded like other holds: the COMMIT must not reach the server before the read's last answer.
  relay.holdClientBytes(withOwnQueries(relay, (queries) => ahead.read(queries), prepared), true);
  return true;
}

/** What an autocommit statement run in pggit's block needs from the session. */
export interface AutocommitWiring {
  readonly relay: Relay;
  /** The statements pggit prepared on this session. */
  readonly prepared: Set<string>;
  /** The next ReadyForQuery's server status goes to `wrapped`; everyone else sees 'I'. */
  wrapNextReady(wrapped: (status: 'I' | 'T' | 'E') => void): void;
  /** The block committed with schema changes: hand them to the recorder (may return a hold, as onChangeSet does). */
  committed(ahead: ReadAhead): Promise<void> | undefined;
  /** The block ended, whatever became of it. */
  ended(): void;
}

/**
 * One schema change in autocommit (a simple Query holding it alone), run in
 * a block of pggit's own: BEGIN goes first, in the same write as the
 * client's Query (its reply is taken off the server's stream); at its
 * ReadyForQuery (held, and made 'I' for the client) the block's schema is
 * read, and COMMIT (or ROLLBACK, after an error) ends it. The client sees
 * the replies autocommit would give; its next bytes wait until the block
 * ended. Exact like a block's read before COMMIT, with no hold after it.
 */
export class AutocommitAhead {
  private changeSetCame = false;
  private finished!: () => void;
  /** Settles once the block ended and the reply may go. */
  private readonly done = new Promise<void>((resolve) => (this.finished = resolve));
  /** What replaces the held ReadyForQuery: 'I', after an error when COMMIT failed. */
  private reply: Buffer = READY_IDLE;

  private constructor(
    private readonly wiring: AutocommitWiring,
    private readonly ahead: ReadAhead,
  ) {}

  /**
   * Starts it for the Query being read, when that Query is
   * its chunk whole and the guard never replaces statements; undefined: the
   * statement runs as it came and is read after its commit.
   */
  static start(wiring: AutocommitWiring, ahead: ReadAhead): AutocommitAhead | undefined {
    const { relay } = wiring;
    if (relay.holdsStatements || !relay.clientMessageIsWholeChunk) return undefined;
    const wrap = new AutocommitAhead(wiring, ahead);
    // BEGIN goes in the Query's write; its reply is taken off the server's stream, the Query's goes on.
    const diversion = relay.divertServer((chunk) => begin.push(chunk));
    const begin = new LeadingReply({
      notification: (message) => relay.sendToClient(Buffer.from(message)),
      // A BEGIN that did not take shows at the statement's ReadyForQuery ('I': see end).
      done: (_status, rest) => (rest.length > 0 ? diversion.endWith(rest) : diversion.end()),
      passOn: (rest) => diversion.endWith(rest),
    });
    relay.precedeClientMessage(BEGIN);
    relay.holdLaterClientBytes(wrap.done);
    wiring.wrapNextReady((status) => wrap.ready(status));
    return wrap;
  }

  /** The session ended before the block did: its COMMIT may have committed, reconciliation tells. */
  abandon(): void {
    this.ahead.unused(true);
  }

  /** The statement's change set came (its ReadyForQuery is being read): it commits with the block. */
  changeSet(): void {
    this.changeSetCame = true;
  }

  /** The statement's ReadyForQuery, with the server's status: hold it and end the block. */
  private ready(status: 'I' | 'T' | 'E'): void {
    const { relay } = this.wiring;
    relay.holdNextReply(this.done, true);
    relay.replaceServerMessage(1, () => this.reply);
    void this.end(status).finally(() => {
      this.wiring.ended();
      this.finished();
    });
  }

  private async end(status: 'I' | 'T' | 'E'): Promise<void> {
    // The tracker ends this ReadyForQuery first: it hands over the change set, or not.
    await Promise.resolve();
    const { relay } = this.wiring;
    let failure: { code?: string; message?: string } | undefined;
    // Delivered at the COMMIT: the client gets them where autocommit puts them, before its ReadyForQuery.
    const notifications: Buffer[] = [];
    await withOwnQueries(relay, async (queries) => {
      if (status !== 'T') {
        // The statement failed (or BEGIN did not take): nothing to keep.
        if (status === 'E') await queries.query('ROLLBACK').catch(() => undefined);
        return;
      }
      // The COMMIT goes right behind the read's end (the rollback of its savepoint), in the same round trip.
      let committing: Promise<InjectedResult> | undefined;
      const commit = (): void => void (committing ??= queries.query('COMMIT'));
      if (this.changeSetCame) await this.ahead.read(queries, commit);
      commit();
      failure = await committing!.then(
        // A failed transaction's COMMIT says ROLLBACK: the statement's work is gone, the client must hear it.
        ({ command }) => (command === 'COMMIT' ? undefined : { code: '40000', message: 'pggit: the transaction was rolled back at its COMMIT' }),
        (error: { code?: string; message?: string }) => error,
      );
    }, this.wiring.prepared, (message) => notifications.push(message));
    this.reply = Buffer.concat([...notifications, READY_IDLE]);
    // 'I': BEGIN did not take, the statement committed on its own: read after it, as usual.
    if (status === 'I' && this.changeSetCame) {
      await this.wiring.committed(this.ahead);
      return;
    }
    if (status !== 'T' || failure !== undefined || !this.changeSetCame) {
      this.ahead.unused();
      if (failure !== undefined) {
        this.reply = Buffer.concat([
          ...notifications,
          encodeErrorResponse({ severity: 'ERROR', sqlstate: failure.code ?? 'XX000', message: failure.message ?? 'COMMIT failed' }),
          READY_IDLE,
        ]);
      }
      return;
    }
    await this.wiring.committed(this.ahead);
  }
}

/** Says which change set was read ahead, and how: the session's side of the reads ahead. */
export class SessionReadsAhead {
  private ahead: ReadAhead | undefined;
  private autocommit: AutocommitAhead | undefined;
  private wrapped: ChangeSet | undefined;
  /** pggit's catalog statements prepared on this session's connection. */
  private readonly prepared = new Set<string>();

  constructor(
    private readonly relay: Relay,
    private readonly plan: (content: TakenContent) => ReadAhead | undefined,
    private readonly wrapNextReady: AutocommitWiring['wrapNextReady'],
    /** onChangeSet's work: hand a change set to the recorder (a hold may come back). */
    private readonly submit: (changeSet: ChangeSet, ahead: ReadAhead | undefined) => Promise<void> | undefined,
  ) {}

  /** TransactionTracker's onCommitAhead. */
  commitAhead(content: TakenContent): boolean {
    const ahead = this.plan(content);
    if (ahead === undefined) return false;
    if (!readBeforeCommit(this.relay, ahead, this.prepared)) {
      ahead.unused();
      return false;
    }
    this.ahead = ahead;
    return true;
  }

  /** TransactionTracker's onAutocommitAhead. */
  autocommitAhead(content: TakenContent): boolean {
    const ahead = this.plan(content);
    if (ahead === undefined) return false;
    const wiring: AutocommitWiring = {
      relay: this.relay,
      prepared: this.prepared,
      wrapNextReady: this.wrapNextReady,
      committed: async (read) => {
        const changeSet = this.wrapped;
        this.wrapped = undefined;
        if (changeSet !== undefined) await this.submit(changeSet, read);
      },
      ended: () => {
        if (this.autocommit !== autocommit) return;
        this.autocommit = undefined;
        // A change set whose COMMIT failed is not committed.
        this.wrapped = undefined;
      },
    };
    const autocommit = AutocommitAhead.start(wiring, ahead);
    if (autocommit === undefined) {
      ahead.unused();
      return false;
    }
    this.ahead = ahead;
    this.autocommit = autocommit;
    return true;
  }

  /** TransactionTracker's onCommitAheadUnused (an autocommit block ends itself). */
  unused(): void {
    if (this.autocommit === undefined) this.ahead?.unused();
    this.ahead = undefined;
  }

  /** A change set was committed: hand it over with its read, or keep it for the autocommit block's end. */
  changeSet(changeSet: ChangeSet): Promise<void> | undefined {
    const ahead = changeSet.readAhead === true ? this.ahead : undefined;
    this.ahead = undefined;
    if (ahead !== undefined && this.autocommit !== undefined) {
      this.wrapped = changeSet;
      this.autocommit.changeSet();
      return undefined;
    }
    return this.submit(changeSet, ahead);
  }

  /** The session ends: a COMMIT that went may have committed with nobody left to hear the answer. */
  close(): void {
    this.ahead?.unused(true);
    this.ahead = undefined;
    // Its block's end will never be answered: its place in the write queue must not wait for ever.
    this.autocommit?.abandon();
  }
}

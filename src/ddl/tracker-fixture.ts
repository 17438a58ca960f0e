// Test support for the tracker tests: a tracker that collects its change
// sets, and the server's replies written compactly. Not part of the room's API.
import type { ChangeSet, SessionInfo } from './change-set.js';
import { PreparedTransactions } from './prepared-transactions.js';
import { TransactionTracker } from './transaction-tracker.js';

export const SESSION: SessionInfo = { user: 'alice', database: 'app', applicationName: 'psql', clientAddress: '10.0.0.7' };
export const NOW = new Date('2024-05-01T12:00:00Z');

export interface Tracked {
  readonly tracker: TransactionTracker;
  readonly changeSets: ChangeSet[];
  /** Statement texts of each change set. */
  texts(): string[][];
}

export function tracked(
  preparedTransactions = new PreparedTransactions(),
  session: SessionInfo = SESSION,
): Tracked {
  const changeSets: ChangeSet[] = [];
  const tracker = new TransactionTracker({ session, onChangeSet: (changeSet) => changeSets.push(changeSet), now: () => NOW, preparedTransactions });
  return { tracker, changeSets, texts: () => changeSets.map((changeSet) => changeSet.statements.map((statement) => statement.text)) };
}

/**
 * Plays backend messages in order: a CommandComplete tag (`CREATE TABLE`),
 * `!<sqlstate>` for an ErrorResponse, `<empty>` for EmptyQueryResponse,
 * `<suspended>` for PortalSuspended, `Z:I` / `Z:T` / `Z:E` for ReadyForQuery.
 */
export function server(tracker: TransactionTracker, ...replies: string[]): void {
  for (const reply of replies) {
    if (reply.startsWith('Z:')) tracker.readyForQuery(reply.slice(2) as 'I' | 'T' | 'E');
    else if (reply.startsWith('!')) tracker.error(reply.slice(1));
    else if (reply === '<empty>') tracker.emptyQuery();
    else if (reply === '<suspended>') tracker.portalSuspended();
    else tracker.commandComplete(reply);
  }
}

/** A simple Query followed by the server's replies to it. */
export function simpleQuery(tracker: TransactionTracker, sql: string, ...replies: string[]): void {
  tracker.query(sql);
  server(tracker, ...replies);
}

/** Parse, Bind and Execute of one unnamed statement, as most drivers send it (no Sync). */
export function extendedQuery(tracker: TransactionTracker, sql: string): void {
  tracker.parse('', sql);
  tracker.bind('', '');
  tracker.execute('');
}

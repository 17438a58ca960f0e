// A denied statement is not forwarded: in its place the server gets a DO
// block that raises the guard's error. So the server itself refuses, and
// every consequence is exactly PostgreSQL's: inside BEGIN the transaction is
// aborted (a later COMMIT answers ROLLBACK); in a multi-statement Query the
// statements after it do not run and an implicit transaction rolls back; in
// the extended protocol the error comes at Execute and the server skips to
// Sync. Pipelined clients get exactly one answer per message they sent.
import type { ParsedStatement } from '../../ddl/index.js';
import type { NoticeToSend } from '../../protocol/index.js';

const TAG = '$pggit_guard$';

/** An E'' literal: safe whatever standard_conforming_strings says. */
function literal(text: string): string {
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** SQL that fails with the notice's SQLSTATE, message, detail and hint, and does nothing else. */
export function raiseStatement(error: NoticeToSend): string {
  const fields = [`ERRCODE = '${error.sqlstate}'`, `MESSAGE = ${literal(error.message)}`];
  if (error.detail !== undefined) fields.push(`DETAIL = ${literal(error.detail)}`);
  if (error.hint !== undefined) fields.push(`HINT = ${literal(error.hint)}`);
  const body = `BEGIN RAISE EXCEPTION USING ${fields.join(', ')}; END`.replaceAll(TAG, '$ pggit_guard$');
  return `DO ${TAG}${body}${TAG}`;
}

/** The Query text to send instead: the statements before the denied one, then the raise. */
export function deniedQueryText(statements: readonly ParsedStatement[], denied: number, error: NoticeToSend): string {
  return [...statements.slice(0, denied).map((statement) => statement.text), raiseStatement(error)].join(';\n');
}

/** A Query message ('Q') with this text. */
export function queryMessage(text: string): Buffer {
  const bytes = Buffer.byteLength(text, 'utf8');
  const message = Buffer.allocUnsafe(5 + bytes + 1);
  message[0] = 0x51;
  message.writeInt32BE(4 + bytes + 1, 1);
  message.write(text, 5, 'utf8');
  message[5 + bytes] = 0;
  return message;
}

/**
 * A Parse message ('P') with the same statement name and parameter types as
 * `body` (the original Parse body, complete) and `text` as its query.
 */
export function parseMessage(body: Buffer, text: string): Buffer {
  const nameEnd = body.indexOf(0);
  const textEnd = body.indexOf(0, nameEnd + 1);
  const name = body.subarray(0, nameEnd + 1);
  const rest = body.subarray(textEnd + 1);
  const bytes = Buffer.byteLength(text, 'utf8');
  const length = 4 + name.length + bytes + 1 + rest.length;
  const message = Buffer.allocUnsafe(1 + length);
  message[0] = 0x50;
  message.writeInt32BE(length, 1);
  name.copy(message, 5);
  message.write(text, 5 + name.length, 'utf8');
  message[5 + name.length + bytes] = 0;
  rest.copy(message, 6 + name.length + bytes);
  return message;
}

// What the watcher reports about one schema-changing statement.

/** An object a statement names, best effort, from the parse tree. */
export interface DdlObject {
  readonly schema?: string;
  /** Unqualified name; `table.column` for columns, `name ON table` for triggers, rules, policies. */
  readonly name: string;
  /** Lower-case object kind as SQL spells it: `table`, `materialized view`, `function`, ... */
  readonly objtype: string;
}

export interface DdlStatement {
  readonly text: string;
  /** The command as PostgreSQL names it: `CREATE TABLE`, `ALTER INDEX`, `GRANT`, ... */
  readonly kind: string;
  /** The parse node's type (`CreateStmt`, ...); `Unparsed` when the parser rejected the text. */
  readonly nodeType: string;
  readonly objects?: readonly DdlObject[];
  /** The parser rejected the text but it starts like DDL: kept raw rather than dropped. */
  readonly unparsed?: true;
  /** CREATE/DROP INDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY. */
  readonly concurrently?: boolean;
  /** PostgreSQL runs it outside any transaction block: it commits on its own. */
  readonly noTransactionBlock?: boolean;
  /** Some forms refuse a transaction block, depending on state the statement does not show (subscriptions). */
  readonly mayRefuseTransactionBlock?: true;
}

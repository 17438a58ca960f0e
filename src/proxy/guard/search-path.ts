// The client session's search_path, as far as the proxy can know it, so that
// the guard sizes the table the client's statement really names. Exact when
// the server reports search_path (ParameterStatus, PostgreSQL 18 and later:
// every SET, SET LOCAL, rollback, function SET clause). Before that, from
// what the session said: the startup packet, then SET [LOCAL] search_path
// and RESET statements read by text. Unknown (undefined): the role's and
// database's default, which the size lookup reads (see table-sizes.ts).
import { searchPathSetBy } from '../../ddl/index.js';

export class ClientSearchPath {
  /** From the server's ParameterStatus: once seen, it is the truth. */
  private reported: string | undefined;
  private session: string | undefined;
  /** SET LOCAL, until the transaction ends. */
  private local: string | undefined;
  private hasLocal = false;

  constructor(startup: string | undefined) {
    this.session = startup;
  }

  /** The path in GUC list syntax; undefined: the default of the role in the database. */
  get current(): string | undefined {
    if (this.reported !== undefined) return this.reported;
    return this.hasLocal ? this.local : this.session;
  }

  reportedByServer(value: string): void {
    this.reported = value;
  }

  /** A statement that starts with SET or RESET. */
  noteStatement(sql: string): void {
    if (this.reported !== undefined) return;
    const set = searchPathSetBy(sql);
    if (set === undefined) return;
    if (set.local) {
      this.local = set.path;
      this.hasLocal = true;
    } else {
      // A plain SET after SET LOCAL wins for the rest of the transaction too.
      this.session = set.path;
      this.hasLocal = false;
    }
  }

  transactionEnded(): void {
    this.hasLocal = false;
    this.local = undefined;
  }
}

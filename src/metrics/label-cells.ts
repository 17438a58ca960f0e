// The cells behind sessions, per label set. A label set's cells are created
// on first use and shared by every session with the same labels, so a
// session finds them once and then only updates numbers.
import type { HistogramCell, ValueCell } from './cells.js';
import { COMMAND_LABELS } from './command-tag.js';
import type { Families } from './definitions.js';
import { ApplicationLabels, sqlstateClass } from './label-values.js';

/** The cells of one (database, branch). */
export interface BranchCells {
  readonly database: string;
  readonly branch: string;
  readonly connections: ValueCell;
  readonly connectionsTotal: ValueCell;
  readonly commits: ValueCell;
  readonly rollbacks: ValueCell;
  /** By command id; filled on first use. */
  readonly durations: Array<HistogramCell | undefined>;
  readonly errorsByClass: Map<string, ValueCell>;
}

/** The cells of one (database, branch, application). */
export interface ApplicationCells {
  readonly branch: BranchCells;
  /** The label value: the application_name, `unknown` or `other`. */
  readonly application: string;
  /** By command id; filled on first use. */
  readonly statements: Array<ValueCell | undefined>;
}

export class LabelCells {
  readonly bytesToServer: ValueCell;
  readonly bytesToClient: ValueCell;
  private readonly branches = new Map<string, BranchCells>();
  private readonly applicationsByKey = new Map<string, ApplicationCells>();

  constructor(
    private readonly families: Families,
    private readonly applications: ApplicationLabels,
  ) {
    this.bytesToServer = families.bytes.cell({ direction: 'client_to_server' });
    this.bytesToClient = families.bytes.cell({ direction: 'server_to_client' });
  }

  branch(database: string, branch: string): BranchCells {
    const key = `${database}\u0000${branch}`;
    let cells = this.branches.get(key);
    if (!cells) {
      const f = this.families;
      cells = {
        database,
        branch,
        connections: f.clientConnections.cell({ database, branch }),
        connectionsTotal: f.clientConnectionsTotal.cell({ database, branch }),
        // Both outcomes from the start, so rate() sees a 0 before the first rollback.
        commits: f.transactions.cell({ database, branch, outcome: 'commit' }),
        rollbacks: f.transactions.cell({ database, branch, outcome: 'rollback' }),
        durations: [],
        errorsByClass: new Map(),
      };
      this.branches.set(key, cells);
    }
    return cells;
  }

  application(branch: BranchCells, applicationName: string): ApplicationCells {
    const application = this.applications.label(applicationName);
    const key = `${branch.database}\u0000${branch.branch}\u0000${application}`;
    let cells = this.applicationsByKey.get(key);
    if (!cells) {
      cells = { branch, application, statements: [] };
      this.applicationsByKey.set(key, cells);
    }
    return cells;
  }

  /** The counter of a command id, created and stored in `cells.statements`. */
  statement(cells: ApplicationCells, command: number): ValueCell {
    const { database, branch } = cells.branch;
    const cell = this.families.statements.cell({
      database,
      branch,
      application: cells.application,
      command: COMMAND_LABELS[command]!,
    });
    cells.statements[command] = cell;
    return cell;
  }

  /** The histogram of a command id, created and stored in `branch.durations`. */
  duration(branch: BranchCells, command: number): HistogramCell {
    const cell = this.families.statementDuration.cell({
      database: branch.database,
      branch: branch.branch,
      command: COMMAND_LABELS[command]!,
    });
    branch.durations[command] = cell;
    return cell;
  }

  error(branch: BranchCells, sqlstate: string): ValueCell {
    const sqlstate_class = sqlstateClass(sqlstate);
    let cell = branch.errorsByClass.get(sqlstate_class);
    if (!cell) {
      cell = this.families.statementErrors.cell({ database: branch.database, branch: branch.branch, sqlstate_class });
      branch.errorsByClass.set(sqlstate_class, cell);
    }
    return cell;
  }
}

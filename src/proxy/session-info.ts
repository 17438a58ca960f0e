// Who a session is: what the StartupMessage said, plus where it came from.
import type { StartupMessage } from '../protocol/index.js';

/** Where a session goes: a branch of a repository, held by a physical database. */
export interface SessionRoute {
  readonly repository: string;
  readonly branch: string;
  readonly database: string;
}

export class SessionInfo {
  constructor(
    readonly user: string,
    readonly database: string,
    readonly applicationName: string,
    readonly clientAddress: string,
    readonly startup: StartupMessage,
    /** Set once the router has placed the session (database is then the physical one). */
    readonly route?: SessionRoute,
  ) {}

  /** The same session, sent to route's database. */
  routedTo(route: SessionRoute): SessionInfo {
    return new SessionInfo(this.user, route.database, this.applicationName, this.clientAddress, this.startup, route);
  }

  static fromStartup(startup: StartupMessage, clientAddress: string | undefined): SessionInfo {
    const user = startup.parameters.get('user') ?? '';
    return new SessionInfo(
      user,
      startup.parameters.get('database') || user,
      startup.parameters.get('application_name') ?? '',
      clientAddress ?? 'local',
      startup,
    );
  }

  logFields(): Record<string, string> {
    return {
      user: this.user,
      database: this.database,
      ...(this.route && this.route.branch !== 'main' ? { repository: this.route.repository, branch: this.route.branch } : {}),
      application: this.applicationName,
      client: this.clientAddress,
    };
  }
}

// Who a session is: what the StartupMessage said, plus where it came from.
import type { StartupMessage } from '../protocol/index.js';

export class SessionInfo {
  constructor(
    readonly user: string,
    readonly database: string,
    readonly applicationName: string,
    readonly clientAddress: string,
    readonly startup: StartupMessage,
  ) {}

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
      application: this.applicationName,
      client: this.clientAddress,
    };
  }
}

// Label values that come from clients, kept to a bounded set: every
// distinct value is a time series Prometheus stores forever.

/** The label of a connection without an application_name. */
export const UNKNOWN_APPLICATION = 'unknown';
/** The label every application past the first N shares. */
export const OTHER_APPLICATION = 'other';
/** PostgreSQL truncates application_name to NAMEDATALEN - 1 bytes. */
const MAX_APPLICATION_LENGTH = 63;

/**
 * The first `max` distinct application_names seen keep their own label;
 * later ones fold into `other`. First-come rather than most-frequent on
 * purpose: a name that lost its label to a busier one would make its
 * counters stop and `other` jump, which reads as a real change in a graph.
 */
export class ApplicationLabels {
  private readonly kept = new Set<string>();

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxApplications must be an integer >= 0, not ${max}`);
  }

  label(applicationName: string): string {
    if (applicationName === '') return UNKNOWN_APPLICATION;
    const name = applicationName.slice(0, MAX_APPLICATION_LENGTH);
    if (this.kept.has(name)) return name;
    if (this.kept.size >= this.max) return OTHER_APPLICATION;
    this.kept.add(name);
    return name;
  }

  /** How many names have a label of their own. */
  get size(): number {
    return this.kept.size;
  }
}

/** SQLSTATE class of an error ("42P01" → "42"); anything malformed is `unknown`. */
export function sqlstateClass(sqlstate: string): string {
  return /^[0-9A-Z]{2}/.test(sqlstate) ? sqlstate.slice(0, 2) : 'unknown';
}

// The statements of one Query string or one Parse text, as the tracker needs
// them: text, lead class and, for schema changes, the description. Built only
// when needed (a later statement of a multi-statement Query, or DDL).
// A text longer than the watcher reads arrives cut: see splitCutQuery.
import type { DdlStatement } from './ddl-statement.js';
import { parseStatements, splitByScanner } from './parser.js';
import { classifyLead, type LeadClass } from './prefilter.js';
import { describeSchemaChange } from './schema-changes.js';

export interface QueryPart {
  readonly text: string;
  readonly lead: LeadClass;
  readonly ddl: DdlStatement | undefined;
}

/**
 * Splits by the cheap scanner when no statement can be DDL; otherwise by the
 * real parser, which also knows where a BEGIN ATOMIC body (which contains
 * semicolons) ends.
 */
export function splitQuery(sql: string): QueryPart[] {
  const pieces = splitByScanner(sql);
  const leads = pieces.map((piece) => classifyLead(piece));
  if (!leads.includes('ddl-candidate')) {
    return pieces.map((text, index) => ({ text, lead: leads[index] ?? 'other', ddl: undefined }));
  }
  return parseStatements(sql).map((statement) => ({
    text: statement.text,
    lead: classifyLead(statement.text),
    ddl: describeSchemaChange(statement),
  }));
}

/**
 * The statements of the start of a longer text: the last one is cut, so what
 * it names cannot be trusted; marked unparsed, it has the recorder read the
 * whole catalog. (Statements past the cut are the tracker's business.)
 */
export function splitCutQuery(sql: string): QueryPart[] {
  const parts = splitQuery(sql);
  const last = parts[parts.length - 1];
  if (last?.ddl !== undefined) parts[parts.length - 1] = { ...last, ddl: { ...last.ddl, unparsed: true } };
  return parts;
}

/** A named prepared statement: classified at Parse, parsed (once) only if it runs and may be DDL. */
export class PreparedStatement {
  private description: DdlStatement | null | undefined;

  constructor(
    readonly lead: LeadClass,
    readonly sql: string,
    /** `sql` is only the start of the statement's text. */
    readonly cut = false,
  ) {}

  get ddl(): DdlStatement | undefined {
    if (this.description === undefined) {
      this.description = (this.cut ? splitCutQuery(this.sql) : splitQuery(this.sql))[0]?.ddl ?? null;
    }
    return this.description ?? undefined;
  }
}

/** The schema changes among the statements of `sql`, in order. */
export function schemaChangesIn(sql: string): DdlStatement[] {
  return splitQuery(sql).flatMap((part) => (part.ddl === undefined ? [] : [part.ddl]));
}

/** A statement after the first one (any of them may be DDL); a trailing semicolon is not one. */
export function hasLaterStatement(sql: string): boolean {
  const semicolon = sql.indexOf(';');
  if (semicolon < 0) return false;
  for (let at = semicolon + 1; at < sql.length; at++) if (sql.charCodeAt(at) > 0x20) return true;
  return false;
}

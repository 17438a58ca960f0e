// `pggit log`: the commits reachable from a branch head (or a revision),
// newest first, optionally only those that touched one object.
import { decodeObject } from '../catalog/index.js';
import type { HistoryReader } from '../../store/index.js';
import { summarizeCommit, type CommitSummary } from './commit-summary.js';
import { DEPENDENT_KINDS, keyMatches, keyTexts, parseObjectName, type ObjectName } from './object-filter.js';
import { selectBranch } from './repository.js';
import { resolveRef } from './resolve-ref.js';

export interface LogOptions {
  readonly repository: string;
  readonly branch: string;
  /** Start here instead of the branch head. */
  readonly ref?: string | undefined;
  /** SCHEMA.NAME or NAME (see object-filter.ts). */
  readonly object?: string | undefined;
  readonly limit?: number | undefined;
}

export interface LogResult {
  readonly repository: string;
  readonly branch: string;
  /** The commit the walk started from; null for a branch without commits. */
  readonly start: string | null;
  readonly object: string | null;
  /** Newest first. */
  readonly commits: CommitSummary[];
}

export async function readLog(reader: HistoryReader, options: LogOptions): Promise<LogResult> {
  const object = options.object === undefined ? undefined : parseObjectName(options.object);
  const start =
    options.ref === undefined
      ? (await selectBranch(reader, options.repository, options.branch)).head
      : (await resolveRef(reader, { repository: options.repository, branch: options.branch }, options.ref)).id;
  const result = { repository: options.repository, branch: options.branch, start, object: options.object ?? null };
  if (start === null) return { ...result, commits: [] };
  const keys = object === undefined ? undefined : await objectKeys(reader, options.repository, object);
  const commits = await reader.ancestors(start, { keys, limit: options.limit });
  return { ...result, commits: commits.map(summarizeCommit) };
}

/** Every key the repository's history has for the object, and the indexes and statistics on it. */
export async function objectKeys(reader: HistoryReader, repository: string, object: ObjectName): Promise<string[]> {
  const texts = keyTexts(object);
  const keys = new Set((await reader.keysContaining(repository, texts)).filter((key) => keyMatches(key, object)));
  for (const { key, definition } of await reader.keyDefinitionsContaining(repository, DEPENDENT_KINDS, texts)) {
    if (keys.has(key)) continue;
    if (decodeObject(key, definition).dependsOn.some((dependency) => keyMatches(dependency, object))) keys.add(key);
  }
  return [...keys].sort();
}

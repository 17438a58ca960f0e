// `pggit schema --at REF`: the whole schema at a commit, as runnable SQL.
import { decodeObject, orderObjects, renderSchema } from '../catalog/index.js';
import { StoreError, type HistoryReader } from '../../store/index.js';
import { summarizeCommit, type CommitSummary } from './commit-summary.js';
import { resolveRef, type RefContext } from './resolve-ref.js';
import type { ObjectVersion } from './show.js';

export interface SchemaAt {
  readonly repository: string;
  readonly ref: string;
  readonly commit: CommitSummary;
  /** In replay (dependency) order. */
  readonly objects: ObjectVersion[];
  /** renderSchema of the objects: run it with psql in an empty database. */
  readonly sql: string;
}

export interface SchemaAtOptions {
  /** Leave out the OWNER TO lines (`pggit schema --no-owners`). */
  readonly noOwners?: boolean;
}

export async function schemaAt(reader: HistoryReader, context: RefContext, ref = 'HEAD', options: SchemaAtOptions = {}): Promise<SchemaAt> {
  const { id } = await resolveRef(reader, context, ref);
  const commit = await reader.commit(context.repository, id);
  if (!commit) throw new StoreError('UNKNOWN_REF', `commit ${id} is not in "${context.repository}"`);
  const stored = await reader.definitionsAt(id);
  const objects = orderObjects([...stored].map(([key, text]) => decodeObject(key, text)));
  return {
    repository: context.repository,
    ref,
    commit: summarizeCommit(commit),
    objects: objects.map((object) => ({ key: object.key, kind: object.kind, definition: object.definition, dependsOn: object.dependsOn })),
    sql: renderSchema(objects, { noOwners: options.noOwners ?? false }),
  };
}

// A branch database with the source's rows, the way pg_restore builds one:
// the schema without indexes, constraints and triggers (pre-data), then the
// rows by parallel COPY in one snapshot (copy-data.ts), then the rest of the
// schema on as many connections (post-data.ts).
import { PREAMBLE, type SchemaAt } from '../history/index.js';
import { databaseConfig } from '../store/index.js';
import type { BranchContext } from './admin.js';
import { replayError, replaySchema } from './branch-database.js';
import { copyData } from './copy-data.js';
import type { CopyProgress, TableProgress } from './copy-progress.js';
import { runPostData } from './post-data.js';
import { splitSchema } from './schema-phases.js';

export interface BuildWithDataInput {
  readonly source: string;
  readonly database: string;
  readonly schema: SchemaAt;
  readonly jobs?: number | undefined;
  readonly onProgress?: ((progress: CopyProgress) => void) | undefined;
  readonly progressIntervalMs?: number | undefined;
  readonly onSnapshot?: ((snapshot: string) => Promise<void>) | undefined;
  readonly pieceBytes?: number | undefined;
}

export interface BuiltWithData {
  readonly tables: TableProgress[];
  readonly jobs: number;
}

export async function buildWithData(context: BranchContext, input: BuildWithDataInput): Promise<BuiltWithData> {
  const { preData, postData } = splitSchema(input.schema.objects);
  const shortId = input.schema.commit.shortId;
  const preSql = [PREAMBLE, ...preData.map((object) => `-- ${object.key}\n${object.definition}`)].join('\n\n');
  await replaySchema(context, input.database, preSql, shortId);
  const copied = await copyData({ upstreamUrl: context.upstreamUrl, source: input.source, target: input.database, jobs: input.jobs, onProgress: input.onProgress, progressIntervalMs: input.progressIntervalMs, onSnapshot: input.onSnapshot, pieceBytes: input.pieceBytes });
  copied.progress.postData(postData.length);
  try {
    await runPostData({ config: databaseConfig(context.upstreamUrl, input.database), objects: postData, jobs: copied.jobs, populated: copied.populatedViews });
  } catch (error) {
    throw replayError(error, shortId);
  }
  copied.progress.finish();
  return { tables: copied.progress.done, jobs: copied.jobs };
}

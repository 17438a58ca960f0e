// A long history made fast, straight into a store through its own write
// path (TreeHasher, placeAfter, writeCommits): a baseline of N tables, then
// commits that each add a column to one table, with now and then a table
// dropped and another created, so the schema keeps its size.
import {
  applyChanges,
  commitHash,
  writeCommits,
  placeAfter,
  TreeHasher,
  type CommitRow,
  type HistoryStore,
  type PreparedCommit,
} from '../src/store/index.js';
import { encodeObject, type SchemaObject } from '../src/history/index.js';

const REPOSITORY = 'scale';
const BRANCH = 'main';
const BATCH = 1000;
const NO_TREE: ReadonlyMap<string, string> = new Map();

export interface GeneratedHistory {
  readonly repository: string;
  readonly branch: string;
  readonly commits: number;
  readonly seconds: number;
}

interface Table {
  name: string;
  columns: number;
}

export async function generateHistory(
  store: HistoryStore,
  tables: number,
  commits: number,
  progress: (message: string) => void,
): Promise<GeneratedHistory> {
  const started = performance.now();
  const repositoryId = await store.repositoryId(REPOSITORY);
  const live: Table[] = Array.from({ length: tables }, (_, i) => ({ name: `t${i}`, columns: 2 }));
  let created = tables;
  const tree = new Map<string, string>();
  const hasher = new TreeHasher();
  let head: { id: string; depth: number; checkpoint: string; sinceCheckpoint: number } | null = null;
  let batch: PreparedCommit[] = [];

  const commit = (message: string, statements: string[], objects: Array<[string, string | null]>) => {
    const { effective: changes, definitions } = applyChanges(tree, hasher, new Map(objects));
    const placement = placeAfter(head, tree.size);
    const parents = head ? [head.id] : [];
    const metadata = {
      kind: head ? ('observed' as const) : ('baseline' as const), author: 'app', database: REPOSITORY, applicationName: 'generator',
      clientAddress: null, backendPid: null, message, statements, committedAt: new Date(Date.UTC(2026, 0, 1) + (head ? head.depth + 1 : 0) * 60_000),
    };
    const treeHash = hasher.digest();
    const id = commitHash({ ...metadata, parents, tree: treeHash, branch: BRANCH, repository: REPOSITORY });
    const row: CommitRow = { ...metadata, id, repository: REPOSITORY, branch: BRANCH, parents, treeHash, recordedAt: new Date(), seq: 0 };
    batch.push({ commit: row, placement, tree: placement.checkpoint === null ? new Map(tree) : NO_TREE, definitions, changes });
    const depth = placement.depth;
    head = placement.checkpoint === null
      ? { id, depth, checkpoint: id, sinceCheckpoint: 0 }
      : { id, depth, checkpoint: placement.checkpoint, sinceCheckpoint: head!.sinceCheckpoint + 1 };
  };

  let written: string | null = null;
  const flush = async () => {
    if (!(await writeCommits(store.pool, { repositoryId, branch: BRANCH, expectedHead: written, commits: batch }))) {
      throw new Error('the generated history\'s branch moved under the generator');
    }
    written = head!.id;
    batch = [];
  };

  commit('baseline', [], [['schema:public', 'CREATE SCHEMA public;'], ...live.map((table) => tableObject(table))]);
  for (let i = 1; i < commits; i++) {
    const index = (i * 7919) % live.length; // a prime stride: every table gets its turn
    const table = live[index]!;
    if (i % 50 === 0) {
      const replacement = { name: `t${created++}`, columns: 2 };
      live[index] = replacement;
      commit(`replace ${table.name}`, [`DROP TABLE public.${table.name}`, `CREATE TABLE public.${replacement.name} (...)`], [
        [`table:public.${table.name}`, null],
        tableObject(replacement),
      ]);
    } else {
      table.columns++;
      commit(`add column to ${table.name}`, [`ALTER TABLE public.${table.name} ADD COLUMN c${table.columns} integer`], [tableObject(table)]);
    }
    if (batch.length >= BATCH) {
      await flush();
      if (i % 10_000 < BATCH) progress(`generated ${i} of ${commits} commits`);
    }
  }
  if (batch.length > 0) await flush();
  return { repository: REPOSITORY, branch: BRANCH, commits, seconds: (performance.now() - started) / 1000 };
}

function tableObject(table: Table): [string, string] {
  const columns = ['id bigint NOT NULL', ...Array.from({ length: table.columns - 1 }, (_, c) => `c${c + 2} integer`)];
  const object: SchemaObject = {
    key: `table:public.${table.name}`,
    kind: 'table',
    schema: 'public',
    name: table.name,
    definition: `CREATE TABLE public.${table.name} (\n    ${columns.join(',\n    ')}\n);\nALTER TABLE public.${table.name} ADD CONSTRAINT ${table.name}_pkey PRIMARY KEY (id);`,
    dependsOn: ['schema:public'],
  };
  return [object.key, encodeObject(object)];
}

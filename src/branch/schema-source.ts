// Where a schema to diff comes from: a revision of the history (read from
// the store) or a postgres:// URL of any live database (read with the same
// catalog snapshot the recorder uses). A live side can also say how big
// the tables at stake are.
import pg from 'pg';
import { decodeObject, readCatalog, resolveRef, type RefContext, type SchemaObject } from '../history/index.js';
import { displayUrl, databaseConfig, databaseOfUrl, StoreError, type HistoryReader } from '../store/index.js';

export interface SchemaSide {
  /** How the side is shown: the revision as given, or the URL without its password. */
  readonly label: string;
  readonly objects: SchemaObject[];
  /** The commit a revision resolved to. */
  readonly commit?: string;
  /** For a live side: its connection settings, to read table sizes. */
  readonly live?: pg.ClientConfig;
}

export function isDatabaseUrl(text: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(text);
}

export async function readLive(config: pg.ClientConfig, label: string): Promise<SchemaSide> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return { label, objects: await readCatalog(client), live: config };
  } finally {
    await client.end();
  }
}

export async function readSide(text: string, reader: HistoryReader | undefined, context: RefContext | undefined): Promise<SchemaSide> {
  if (isDatabaseUrl(text)) return readLive(databaseConfig(text, databaseOfUrl(text)), displayUrl(text));
  if (!reader || !context) throw new StoreError('UNKNOWN_REF', `"${text}" is a revision, which needs the metadata store (or give a postgres:// URL)`);
  const { id } = await resolveRef(reader, context, text);
  return { label: text, commit: id, objects: await objectsAt(reader, id) };
}

export async function objectsAt(reader: HistoryReader, commit: string): Promise<SchemaObject[]> {
  const tree = await reader.treeAt(commit);
  const texts = await reader.definitions(tree.values());
  return [...tree].map(([key, hash]) => decodeObject(key, texts.get(hash) ?? ''));
}

export interface RelationSize {
  readonly rows: number;
  readonly bytes: number;
}

/** Rows (exact count) and total size of each relation (`schema.name`, unquoted) that exists. */
export async function relationSizes(config: pg.ClientConfig, relations: readonly string[]): Promise<Map<string, RelationSize>> {
  const sizes = new Map<string, RelationSize>();
  if (relations.length === 0) return sizes;
  const client = new pg.Client(config);
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; qname: string; kind: string; bytes: string }>(
      `SELECT n.nspname || '.' || c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qname, c.relkind AS kind,
              pg_total_relation_size(c.oid)::text AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname || '.' || c.relname = ANY($1) AND c.relkind IN ('r', 'p', 'm')`,
      [relations],
    );
    for (const row of rows) {
      const counted = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${row.qname}`);
      sizes.set(row.name, { rows: Number(counted.rows[0]!.n), bytes: Number(row.bytes) });
    }
  } finally {
    await client.end();
  }
  return sizes;
}

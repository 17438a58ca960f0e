// The planner (issue 12): `diff` between the empty schema and a 2,000-table
// schema, and between two snapshots of it that differ in one table (which
// must cost the change, not the schema: < 100 ms). Reading the catalog of
// the same database is printed beside them as the yardstick.
import os from 'node:os';
import pg from 'pg';
import { loadParser } from '../src/ddl/index.js';
import { readCatalog, SchemaTree, type SchemaObject } from '../src/history/index.js';
import { diff } from '../src/plan/index.js';

export interface PlanDiffResult {
  readonly tables: number;
  readonly objects: number;
  readonly readCatalogMs: number;
  readonly emptyToFullMs: number;
  readonly emptyToFullStatements: number;
  readonly oneTableMs: number;
  readonly oneTableStatements: number;
  readonly oneTableTreesMs: number;
  /** Load average while it ran: on a shared machine the absolute times move with it, the ratios less. */
  readonly loadAverage: number;
}

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 100) / 100;
}

function timed<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

export async function benchPlanDiff(serverUrl: string, tables = 2000): Promise<PlanDiffResult> {
  await loadParser();
  const database = `plan_${tables}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const client = new pg.Client({ connectionString: Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString() });
  await client.connect();
  try {
    await client.query(
      `DO $$ BEGIN FOR i IN 1..${tables} LOOP
         EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, name text NOT NULL, created timestamptz DEFAULT now())', i);
         IF i > 1 AND i % 10 = 0 THEN EXECUTE format('ALTER TABLE t%s ADD COLUMN parent int REFERENCES t%s', i, i - 1); END IF;
         IF i % 5 = 0 THEN EXECUTE format('CREATE INDEX t%s_name ON t%s (name)', i, i); END IF;
       END LOOP; END $$`,
    );
    const reads: number[] = [];
    let full: SchemaObject[] = [];
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      full = await readCatalog(client);
      reads.push(performance.now() - start);
    }
    await client.query(`ALTER TABLE t17 ADD COLUMN note text; CREATE INDEX t17_note ON t17 (note)`);
    const changed = await readCatalog(client);
    const [fullTree, changedTree] = [new SchemaTree(full), new SchemaTree(changed)];
    const empty: SchemaObject[] = [];
    const emptyRuns: number[] = [];
    const oneRuns: number[] = [];
    const treeRuns: number[] = [];
    let emptyCount = 0;
    let oneCount = 0;
    for (let run = 0; run < RUNS; run++) {
      const a = timed(() => diff(empty, full));
      emptyRuns.push(a.ms);
      emptyCount = a.value.length;
      const b = timed(() => diff(full, changed));
      oneRuns.push(b.ms);
      oneCount = b.value.length;
      treeRuns.push(timed(() => diff(fullTree, changedTree)).ms);
    }
    return {
      tables,
      objects: full.length,
      readCatalogMs: median(reads),
      emptyToFullMs: median(emptyRuns),
      emptyToFullStatements: emptyCount,
      oneTableMs: median(oneRuns),
      oneTableStatements: oneCount,
      oneTableTreesMs: median(treeRuns),
      loadAverage: Math.round(os.loadavg()[0]! * 10) / 10,
    };
  } finally {
    await client.end();
    const drop = new pg.Client({ connectionString: serverUrl });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await drop.end();
  }
}

export function formatPlanDiff(r: PlanDiffResult): string {
  return [
    `diff planner (${r.tables} tables, ${r.objects} objects; medians of ${RUNS}; load average ${r.loadAverage}):`,
    `  empty -> ${r.tables} tables: ${r.emptyToFullMs} ms for ${r.emptyToFullStatements} statements`,
    `  one table changed:      ${r.oneTableMs} ms for ${r.oneTableStatements} statements (${r.oneTableTreesMs} ms from SchemaTrees)`,
    `  reading the catalog once: ${r.readCatalogMs} ms; one-table diff / catalog read ${(r.oneTableMs / r.readCatalogMs).toFixed(3)}, / full diff ${(r.oneTableMs / r.emptyToFullMs).toFixed(3)}`,
  ].join('\n');
}

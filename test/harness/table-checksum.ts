// Helpers of the branch-with-data tests: clients that the test closes at the
// end, and a table's rows as a count and an order-independent digest.
import pg from 'pg';

/** A connected client, remembered in open for the test's afterAll. */
export async function openClient(open: pg.Client[], config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  await client.connect();
  open.push(client);
  return client;
}

export async function tableChecksum(db: pg.ClientBase, table: string): Promise<{ count: number; md5: string }> {
  const { rows } = await db.query(`SELECT count(*)::int AS count, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS md5 FROM ${table} t`);
  return rows[0];
}

/** One statement on a connection of its own, for setup and teardown (not for measured paths). */
import pg from 'pg';

/**
 * Connects, runs `sql`, disconnects. A server that goes away mid-query (a broker fault, Ctrl-C stopping Postgres)
 * rejects the query; without the 'error' listener pg would also throw it as an uncaught event and end the process.
 */
export async function queryOnce<Row extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<pg.QueryResult<Row>> {
  const client = new pg.Client(url);
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query<Row>(sql, values);
  } finally {
    await client.end().catch(() => {});
  }
}

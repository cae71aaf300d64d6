/**
 * Creates the sample data in an embedded DuckDB file: 2,000 orders from January to June 2024 over
 * 50 customers in four regions. Idempotent: tables that exist are left alone.
 *
 * @module
 */
import { DuckDBInstance } from '@duckdb/node-api';

/** SQL that creates and fills the sample tables (also valid for PostgreSQL, see `seed.sql`). */
export const SEED_STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS customers AS
     SELECT i AS id, (ARRAY['north', 'south', 'east', 'west'])[1 + i % 4] AS region
     FROM generate_series(1, 50) AS t(i)`,
  `CREATE TABLE IF NOT EXISTS orders AS
     SELECT i AS id,
            1 + i % 50 AS customer_id,
            (ARRAY['new', 'paid', 'shipped', 'returned'])[1 + i % 4] AS status,
            (10 + (i * 37) % 490)::DECIMAL(10, 2) AS amount,
            TIMESTAMP '2024-01-01 00:00:00' + i * INTERVAL '130 minutes' AS created_at
     FROM generate_series(0, 1999) AS t(i)`,
];

/** Seeds the database file at `path` (created if missing), then closes it. */
export async function seedDuckDb(path: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    try {
      for (const statement of SEED_STATEMENTS) await connection.run(statement);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Lists the tables of a schema in the database file (for checks after a build; the file must not be open elsewhere). */
export async function listDuckDbTables(path: string, schema: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema.replace(/'/g, "''")}' ORDER BY table_name`,
      );
      return reader.getRows().map((row) => String(row[0]));
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

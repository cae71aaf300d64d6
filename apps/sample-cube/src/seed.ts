/**
 * Creates the sample data in an embedded DuckDB file: 2,000 orders from January to June 2024 over
 * 50 customers in four regions. Idempotent: tables that exist are left alone.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

/** The statements of `seed.sql`, which creates and fills the sample tables (DuckDB and PostgreSQL). */
export const SEED_STATEMENTS: readonly string[] = readFileSync(new URL('../seed.sql', import.meta.url), 'utf8')
  .replace(/--.*$/gm, '')
  .split(';')
  .map((statement) => statement.trim())
  .filter((statement) => statement.length > 0);

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

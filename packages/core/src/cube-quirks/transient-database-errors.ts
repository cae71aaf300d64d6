/**
 * Quirk: Cube passes some database errors met while planning a build through as HTTP 400, though a
 * retry gets past them: the first post on an empty PostgreSQL database races on `CREATE SCHEMA IF NOT
 * EXISTS` (seen live on Cube 1.7.43 + PostgreSQL: the same request then succeeds), lock and
 * serialization conflicts, DuckDB's file lock. Such a 400 is retryable; every other 400 is final.
 * Held by: `packages/core/test/client.test.ts`, the fault case `cube-quirks` (the schema race on the fake)
 * and `real-cube-postgres` (on real Cube).
 *
 * @module
 */

const TRANSIENT_DATABASE_ERRORS = [
  /duplicate key value violates unique constraint "pg_namespace_nspname_index"/,
  /deadlock detected/i,
  /could not serialize access/i,
  /Could not set lock on file/i,
];

/** Whether Cube's message of a 400 is a database error that a retry gets past. */
export function isTransientDatabaseError(cubeMessage: string): boolean {
  return TRANSIENT_DATABASE_ERRORS.some((pattern) => pattern.test(cubeMessage));
}

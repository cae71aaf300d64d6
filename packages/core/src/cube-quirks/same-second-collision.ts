/**
 * Quirk: Cube names a partition's table after its build time in whole seconds, so two builds of one
 * partition planned in the same second collide: the second reads `failure: … already exists` although
 * the first built the table (seen live on Cube 1.7.43, DuckDB and PostgreSQL). Such a job is triggered
 * again a second later, whatever the failure policy says.
 * Held by: `packages/temporal-workflows/test/policies.test.ts` and `planning.test.ts`, the fault case
 * `cube-quirks`.
 *
 * @module
 */

/** Whether a failed job's Cube status says its table already exists: a same-second collision. */
export function isSameSecondCollision(failedStatus: string): boolean {
  return /already exists/i.test(failedStatus);
}

/** How long to let the clock pass the colliding second before posting again (plus jitter). */
export const SAME_SECOND_BACKOFF_MS = 1100;

/**
 * Cube's quirks: every place where the client or the workflow does something other than what the jobs
 * protocol says, because a Cube release answers otherwise. One module each, naming the releases, the
 * issue, the evidence and the test that holds it; nothing here is exported from the package roots
 * except through the behaviour it gives.
 *
 * | quirk | releases | evidence | what we do |
 * | --- | --- | --- | --- |
 * | {@link isUnknownToken500 | unknown-token 500} | before 0.34.62 (#7894) | versions suite, 0.33.65 | read the batch token by token; unreadable tokens are `not_found` |
 * | {@link dateRangeSupportCheck | dateRange ignored} | 0.35 and earlier; the 1.x empty-`get` 400 tells them apart | versions suite, 1.7.43 / 1.6.10 / 0.33.65 | refuse a `dateRange` post before sending it (`CubeJobsUnsupportedError`; `honoursDateRange` overrides) |
 * | {@link isTransientDatabaseError | transient database 400} | 1.7.43 on PostgreSQL (schema race), any (locks) | fault cases `cube-quirks`, `real-cube-postgres` | retry that 400 like a 5xx |
 * | {@link isMissingScopeMessage | missing-scope wording} | 0.32.3–0.32.24, 0.32.31, 0.32.25+ | conformance scenario (no `jobs` scope) | `CubeJobsMissingScopeError` |
 * | {@link isContinueWait | Continue wait} | all (`post` while planning queries run) | fault case `transient-faults` | send the post again |
 * | {@link isSameSecondCollision | same-second collision} | 1.7.43, DuckDB and PostgreSQL | fault case `cube-quirks` | trigger the job again a second later |
 * | {@link MergedJobTracker | merged jobs} | 1.7.43 (a build merged into an identical one in flight reads `missing_partition` for good) | fault case `real-cube-busy-queue` | follow the twin; `ambiguousConfirmMs` (10 s) before acting on `missing_partition` |
 * | `missing_partition` while a build runs on a non-default data source | before PR #11321 (2026-07, #11313) | protocol notes | the same confirm period; a lasting one is retriggered under the policy |
 * | `done` for an empty or unfinished import | 1.6.57 on Cube Store (#11609; PR #11629) | issue report | not detected yet (issue 25: verified builds) |
 *
 * @module
 */
export { isUnknownToken500 } from './unknown-token-500.js';
export { dateRangeSupportCheck } from './date-range-support.js';
export { isTransientDatabaseError } from './transient-database-errors.js';
export { isMissingScopeMessage } from './missing-scope.js';
export { isContinueWait } from './continue-wait.js';
export { isSameSecondCollision, SAME_SECOND_BACKOFF_MS } from './same-second-collision.js';
export { MergedJobTracker } from './merged-jobs.js';

/**
 * The workflow-safe part of `@cube-jobs/core`, with no Node imports and no I/O, so Temporal workflow
 * code can import it: the job model, selector validation, how a list of job statuses is judged
 * (`summarizeJobs`, under a policy), the poll schedule, and the error names that become failure
 * types. `@cube-jobs/temporal-workflows` builds on it; the Temporal activities use its wait loop.
 *
 * @example
 * ```ts
 * import { parseSelector, summarizeJobs, DEFAULT_JOBS_POLICY } from '@cube-jobs/core/protocol';
 * ```
 *
 * @module
 */
export {
  failureMessageOf,
  formatJobList,
  type JobMerge,
  type JobSelector,
  type JobState,
  type JobStatus,
} from './job.js';
export { CubeJobsValidationError, ERROR_NAMES, NON_RETRYABLE_ERROR_NAMES, type ValidationIssue } from './errors.js';
export {
  isIanaTimeZone,
  parseDateRangeBound,
  type PreAggregationSelector,
  type PreAggregationSelectorInput,
} from './schemas.js';
export { parseSelector, toValidationIssues } from './validation.js';
export { AMBIGUOUS_JOB_ACTIONS, DEFAULT_FAIL_FAST, DEFAULT_JOBS_POLICY, type JobsPolicy } from './policy.js';
export {
  countJobStates,
  isAmbiguousState,
  isFinalState,
  isInFlightState,
  isSettledJob,
  partitionStartOf,
  summarizeJobs,
  type JobsSummary,
} from './status.js';
export { DEFAULT_POLL_SCHEDULE, nextPollIntervalMs, type PollScheduleOptions } from './schedule.js';
export { isSameSecondCollision, SAME_SECOND_BACKOFF_MS } from './cube-quirks/same-second-collision.js';
export { pollJobs, type PollJobsOptions, type WaitOutcome, type WaitState } from './wait.js';

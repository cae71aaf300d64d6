/**
 * The failures `buildPreAggregations` ends with: non-retryable `ApplicationFailure`s whose `type` is one of
 * core's `ERROR_NAMES` (`buildFailed`, `waitTimeout`, `validation`: users match on that one constant) or
 * {@link ACTIVITIES_MISSING_FAILURE_TYPE}; their messages name the jobs, their details carry them whole.
 *
 * Workflow-safe: builds failures from plain data.
 *
 * @module
 */
import { ERROR_NAMES, type CubeJobsValidationError, type JobState } from '@cube-jobs/core/protocol';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { isCancellation } from '@temporalio/workflow';
import { describeJobs, unfinishedJobs } from './job-records.js';
import type { BuildJob, PreAggregationBuildFailedDetails } from './types.js';

/**
 * The failure type of a build whose worker does not host the cube-jobs activities (see `cubeJobsPlugin`):
 * a setup error, not one of core's error classes.
 */
export const ACTIVITIES_MISSING_FAILURE_TYPE = 'CubeJobsActivitiesMissingError';

/** Invalid workflow input: every bad field, before anything was sent to Cube. */
export function invalidInputFailure(error: CubeJobsValidationError): ApplicationFailure {
  return ApplicationFailure.nonRetryable(error.message, ERROR_NAMES.validation, { issues: error.issues });
}

/**
 * The trigger is a local activity, so it runs on the worker that runs the workflow; that worker does not
 * have it. Retrying cannot help: the worker has to be configured.
 */
export function activitiesMissingFailure(taskQueue: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `The worker on task queue "${taskQueue}" runs buildPreAggregations but not the cube-jobs activities. ` +
      'Create it with `plugins: [cubeJobsPlugin({ client })]` (from @cube-jobs/temporal-workflows), or add ' +
      '`activities: createCubeJobsActivities({ client })` (from @cube-jobs/temporal-activities) to the same worker: ' +
      'the trigger runs as a local activity, on the worker that runs the workflow.',
    ACTIVITIES_MISSING_FAILURE_TYPE,
  );
}

/** Whether an error is the SDK's refusal to schedule a local activity the worker does not have. */
export function isUnregisteredLocalActivity(error: unknown): boolean {
  return error instanceof ReferenceError && /Local activity of type '.*' not registered on worker/.test(error.message);
}

/** The message of the last error a step failed with, as ` (last error: …)`, or nothing. */
function lastErrorOf(cause: unknown): string {
  if (!(cause instanceof Error)) return '';
  return ` (last error: ${(cause.cause instanceof Error ? cause.cause : cause).message})`;
}

/**
 * The deadline passed while the build was `doing` something other than waiting (triggering, say),
 * with the error its last attempt met, and the jobs that had not finished.
 */
export function deadlineFailure(doing: string, cause: unknown, jobs: readonly BuildJob[]): ApplicationFailure {
  const pending = unfinishedJobs(jobs);
  const listed = pending.length > 0 ? `: ${describeJobs(pending)}` : '';
  return ApplicationFailure.nonRetryable(
    `The deadline passed while ${doing}${lastErrorOf(cause)}; ${pending.length} pre-aggregation job(s) unfinished${listed}`,
    ERROR_NAMES.waitTimeout,
    { pendingJobs: pending },
  );
}

/** The deadline passed while waiting: the jobs still unfinished. */
export function waitDeadlineFailure(jobs: readonly BuildJob[]): ApplicationFailure {
  const pending = unfinishedJobs(jobs);
  return ApplicationFailure.nonRetryable(
    `${pending.length} pre-aggregation job(s) still unfinished at the deadline: ${describeJobs(pending)}`,
    ERROR_NAMES.waitTimeout,
    { pendingJobs: pending },
  );
}

/** What a build failure reports. */
export interface BuildFailedFacts {
  /** Every job that failed (hard failures, and jobs that would be triggered again but may not). */
  readonly failed: readonly BuildJob[];
  /** How many of them used up their retrigger budget. */
  readonly exhausted: number;
  /** The retrigger budget, for the message. */
  readonly maxRetriggers: number;
  /** Jobs per state across the whole build. */
  readonly counts: Readonly<Record<JobState, number>>;
}

/** Jobs failed: every one named, with the whole records and the build's counts in the details. */
export function buildFailedFailure({ failed, exhausted, maxRetriggers, counts }: BuildFailedFacts): ApplicationFailure {
  const reason = exhausted > 0 ? ` (${exhausted} triggered again ${maxRetriggers} time(s) already)` : '';
  return ApplicationFailure.nonRetryable(
    `${failed.length} pre-aggregation job(s) failed${reason}: ${describeJobs(failed)}`,
    ERROR_NAMES.buildFailed,
    { failedJobs: failed, counts } satisfies PreAggregationBuildFailedDetails,
  );
}

/**
 * Partitions Cube called `done` but does not serve (the build's `verify`): every one named with what its
 * verification saw, the whole records and the build's counts in the details.
 */
export function verificationFailedFailure({
  failed,
  exhausted,
  maxRetriggers,
  counts,
}: BuildFailedFacts): ApplicationFailure {
  const reason = exhausted > 0 ? ` (${exhausted} triggered again ${maxRetriggers} time(s) already)` : '';
  return ApplicationFailure.nonRetryable(
    `${failed.length} pre-aggregation partition(s) failed verification${reason}: ${describeJobs(failed)}`,
    ERROR_NAMES.verificationFailed,
    { failedJobs: failed, counts } satisfies PreAggregationBuildFailedDetails,
  );
}

/**
 * An activity's failure as the build's own: the `ApplicationFailure` the activity raised (its `type` is
 * core's error name, such as `CubeJobsConnectionError` when Cube stayed unreachable), non-retryable, with
 * the activity's failure as its cause. Every caller, a parent workflow in any SDK or a Nexus caller, then
 * reads the build's failure `type` at one depth. Cancellation and the build's own failures pass through.
 */
export function asBuildFailure(error: unknown): unknown {
  if (isCancellation(error) || !(error instanceof ActivityFailure)) return error;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure)) return error;
  return ApplicationFailure.create({
    message: cause.message,
    ...(cause.type ? { type: cause.type } : {}),
    ...(cause.details ? { details: cause.details } : {}),
    nonRetryable: true,
    cause: error,
  });
}

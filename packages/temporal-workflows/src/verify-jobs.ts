/**
 * How a build proves its `done` jobs (input `verify`): one activity asks Cube a query per partition
 * (core's `verifyJobs`) and the verdicts are recorded on the jobs. A job that failed verification counts
 * as failed: the retrigger plan triggers it again under `onFailure`, or the build fails with
 * `PreAggregationVerificationError`. Jobs verified once are not verified again after a retrigger.
 *
 * Workflow-safe: imports `@temporalio/workflow` and activity *types* only.
 *
 * @module
 */
import type { PartitionVerification } from '@cube-jobs/core';
import { verifyingActivity } from './activity-options.js';
import type { BuildJob, BuildState } from './types.js';

/** What a job keeps of its verification, and for a failed one the target to trigger it again. */
function withVerification(job: BuildJob, verdict: PartitionVerification): BuildJob {
  const { outcome, problem, rows } = verdict;
  const target =
    job.target ??
    (outcome === 'failed' && verdict.preAggregation !== undefined
      ? {
          preAggregation: verdict.preAggregation,
          timezone: verdict.timezone,
          partitionStart: verdict.dateRange?.[0],
        }
      : undefined);
  return {
    ...job,
    ...(target ? { target } : {}),
    verification: { outcome, ...(problem === undefined ? {} : { problem }), ...(rows === undefined ? {} : { rows }) },
  };
}

/**
 * Verifies the build's `done` jobs that have not been verified yet, records each verdict on its job,
 * and returns the tokens of those that failed.
 */
export async function verifyDoneJobs(
  minRows: number,
  state: BuildState,
  remainingMs: number | undefined,
): Promise<string[]> {
  const tokens = state.jobs.filter((job) => job.state === 'done' && !job.verification).map((job) => job.token);
  if (tokens.length === 0) return [];
  const { partitions } = await verifyingActivity(
    remainingMs,
    `verify ${tokens.length} partition(s)`,
  )({
    tokens,
    minRows,
  });
  const byToken = new Map(partitions.map((verdict) => [verdict.token, verdict]));
  state.jobs = state.jobs.map((job) => {
    const verdict = byToken.get(job.token);
    return verdict ? withVerification(job, verdict) : job;
  });
  return partitions.filter((verdict) => verdict.outcome === 'failed').map((verdict) => verdict.token);
}

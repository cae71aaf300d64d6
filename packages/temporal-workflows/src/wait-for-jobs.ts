/**
 * How a build waits for its jobs: one activity polls Cube and heartbeats until the jobs settle, however
 * long that takes (about 3 history events per wait), and returns core's verdict on them. A crashed
 * worker's wait is taken over within the heartbeat timeout, resuming from its last heartbeat.
 *
 * Workflow-safe: imports `@temporalio/workflow` and activity *types* only.
 *
 * @module
 */
import type { WaitForPreAggregationJobsResult } from '@cube-jobs/temporal-activities';
import { waitingActivity } from './activity-options.js';
import type { ResolvedBuildInput } from './input.js';
import { mergeJobRecords, unfinishedJobs } from './job-records.js';
import type { BuildState } from './types.js';

/** What a wait saw: how it ended and which jobs failed or must be triggered again. */
export type WaitVerdict = Pick<
  WaitForPreAggregationJobsResult,
  'outcome' | 'failed' | 'retrigger' | 'retriggerAfterMs'
>;

/**
 * Waits for the build's unfinished jobs and applies their statuses to its state. Every other job is
 * `done` (a build stops at its first hard failure), so the wait's verdict is the build's.
 */
export async function waitForUnfinishedJobs(
  config: ResolvedBuildInput,
  state: BuildState,
  remainingMs: number | undefined,
): Promise<WaitVerdict> {
  const tokens = unfinishedJobs(state.jobs).map((job) => job.token);
  if (tokens.length === 0) return { outcome: 'succeeded', failed: [], retrigger: [], retriggerAfterMs: 0 };
  if (remainingMs !== undefined && remainingMs <= 0) {
    return { outcome: 'deadline_exceeded', failed: [], retrigger: [], retriggerAfterMs: 0 };
  }
  const { jobs, polls, ...verdict } = await waitingActivity(
    config.heartbeatTimeoutMs,
    remainingMs,
    `wait for ${tokens.length} job(s)`,
  )({
    tokens,
    policy: config.jobsPolicy,
    failFast: config.failFast,
    deadlineMs: remainingMs,
    schedule: { initialPollIntervalMs: config.pollIntervalMs, maxPollIntervalMs: config.maxPollIntervalMs },
  });
  state.polls += polls;
  state.jobs = mergeJobRecords(state.jobs, jobs);
  return verdict;
}

/**
 * Live progress of a build from a client: the workflow's `getBuildProgress` answer, refreshed with the
 * waiting activity's latest heartbeat (the activity polls, so the workflow itself learns statuses
 * only when the wait ends). Node side.
 *
 * @module
 */
import type { WaitHeartbeatDetails } from '@cube-jobs/temporal-activities';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { getBuildProgress } from './build-workflow.js';
import { countByState } from './job-records.js';
import type { BuildProgress } from './types.js';

/** {@link BuildProgress} merged with the waiting activity's last heartbeat. */
export interface LiveBuildProgress extends BuildProgress {
  /** Status polls made, including those of the running wait activity. */
  readonly livePolls: number;
  /** Attempt of the running wait activity (above 1 after a worker crash), if one is running. */
  readonly waitAttempt: number | undefined;
}

/** Queries the build and overlays the per-job states of the wait activity's last heartbeat. */
export async function describeBuildProgress(handle: WorkflowHandle): Promise<LiveBuildProgress> {
  const [progress, description] = await Promise.all([handle.query(getBuildProgress), handle.describe()]);
  const pending = description.raw.pendingActivities?.find(
    (activity) => activity.activityType?.name === 'waitForPreAggregationJobs',
  );
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  const details = payload ? defaultPayloadConverter.fromPayload<WaitHeartbeatDetails | undefined>(payload) : undefined;
  if (!details?.jobs) {
    return {
      ...progress,
      livePolls: progress.polls + (details?.wait.polls ?? 0),
      waitAttempt: pending?.attempt ?? undefined,
    };
  }
  const live = new Map(details.jobs.map(([token, state, table]) => [token, { state, table }]));
  const jobs = progress.jobs.map((job) => {
    const update = live.get(job.token);
    return update ? { ...job, state: update.state, table: update.table ?? job.table } : job;
  });
  return {
    ...progress,
    jobs,
    counts: countByState(jobs),
    livePolls: progress.polls + details.wait.polls,
    waitAttempt: pending?.attempt ?? undefined,
  };
}

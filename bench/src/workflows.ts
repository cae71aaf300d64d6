/**
 * The workflows the benchmark runs: ours, and the naive loop of Cube's Airflow and Prefect
 * integrations written as a Temporal workflow (trigger, then sleep a fixed interval and re-poll every
 * token until all are done), so both are measured on the same server in the same run.
 *
 * @module
 */
import type { CubeJobsActivities } from '@cube-jobs/temporal-activities';
import { ApplicationFailure, proxyActivities, sleep } from '@temporalio/workflow';

export { buildPreAggregations } from '@cube-jobs/temporal-workflows/workflows';

/** Input of {@link naivePollingBuild}. */
export interface NaivePollingBuildInput {
  readonly selector: Parameters<CubeJobsActivities['triggerPreAggregationBuild']>[0]['selector'];
  /** The fixed sleep between polls (Airflow's `wait`, 10 s by default there). */
  readonly sleepMs: number;
}

/** Trigger, then every `sleepMs` poll all tokens; done when all are `done`, failed at any `failure`. */
export async function naivePollingBuild(input: NaivePollingBuildInput): Promise<{ polls: number }> {
  const { triggerPreAggregationBuild, getPreAggregationJobStatuses } = proxyActivities<CubeJobsActivities>({
    startToCloseTimeout: '1 minute',
  });
  const { tokens } = await triggerPreAggregationBuild({ selector: input.selector });
  for (let polls = 1; ; polls += 1) {
    await sleep(input.sleepMs);
    const { jobs } = await getPreAggregationJobStatuses({ tokens });
    if (jobs.some((job) => job.state === 'failure'))
      throw ApplicationFailure.nonRetryable('a job failed', 'BuildFailed');
    if (jobs.every((job) => job.state === 'done')) return { polls };
  }
}

/** Input of {@link triggerAsActivityBuild}. */
export interface TriggerAsActivityBuildInput {
  readonly selector: NaivePollingBuildInput['selector'];
}

/**
 * The wait as `buildPreAggregations` runs it (one heartbeating activity), except that the trigger is a
 * normal activity instead of a local one: what the alternative would cost in history events.
 */
export async function triggerAsActivityBuild(input: TriggerAsActivityBuildInput): Promise<{ jobs: number }> {
  const { triggerPreAggregationBuild } = proxyActivities<CubeJobsActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 10 },
  });
  const { waitForPreAggregationJobs } = proxyActivities<CubeJobsActivities>({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '30s',
  });
  const { tokens } = await triggerPreAggregationBuild({ selector: input.selector });
  const { jobs } = await waitForPreAggregationJobs({ tokens, schedule: { initialPollIntervalMs: 100 } });
  return { jobs: jobs.length };
}

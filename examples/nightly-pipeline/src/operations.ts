/**
 * Operating the pipeline's pre-aggregations from code: a nightly schedule, and "fresh after the load".
 * The README quotes these functions (a check keeps them the same); `test/operations.test.ts` runs them.
 */
import type { Client, ScheduleHandle } from '@temporalio/client';
import { createBuildSchedule, requestRefresh, type RefreshOutcome } from '@cube-jobs/temporal-workflows';

/** Rebuilds every orders pre-aggregation at 03:00 Berlin time; a run due while one still builds is skipped. */
export async function scheduleNightlyBuild(client: Client, taskQueue = 'cube-jobs'): Promise<ScheduleHandle> {
  return createBuildSchedule(client, {
    scheduleId: 'orders-nightly',
    selector: { contexts: [{ securityContext: {} }], timezones: ['UTC'], cubes: ['orders'] },
    spec: { cron: '0 3 * * *', timezone: 'Europe/Berlin', jitter: '5m' },
    taskQueue,
  });
}

/** Call at the end of the job that loaded orders: returns once a build that started after the load succeeded. */
export async function afterOrdersLoaded(client: Client, taskQueue = 'cube-jobs'): Promise<RefreshOutcome> {
  return requestRefresh(
    client,
    { contexts: [{ securityContext: {} }], timezones: ['UTC'], preAggregations: ['orders.by_month'] },
    { taskQueue },
  );
}

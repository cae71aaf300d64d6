/**
 * `@cube-jobs/temporal-activities`: Temporal activities for Cube's pre-aggregation jobs API.
 * Create them around a configured `@cube-jobs/core` client in your worker; the workflows in
 * `@cube-jobs/temporal-workflows` call them.
 *
 * @example
 * ```ts
 * import { createCubeJobsClient } from '@cube-jobs/core';
 * import { createCubeJobsActivities } from '@cube-jobs/temporal-activities';
 *
 * const client = createCubeJobsClient({ apiUrl: process.env.CUBE_API_URL!, apiSecret: process.env.CUBE_API_SECRET! });
 * const activities = createCubeJobsActivities({ client });
 * const worker = await Worker.create({ taskQueue: 'cube-jobs', workflowsPath, activities });
 * await worker.run();
 * await handOverWaits(activities); // the builds it was waiting on move to other workers at once
 * ```
 *
 * @module
 */
export {
  createCubeJobsActivities,
  handOverWaits,
  type CubeJobsActivities,
  type CubeJobsActivitiesOptions,
} from './activities.js';
export { cubeRequestMetrics } from './metrics.js';
export type {
  GetPreAggregationJobStatusesInput,
  GetPreAggregationJobStatusesResult,
  JobRecord,
  JobTarget,
  TriggerPreAggregationBuildInput,
  TriggerPreAggregationBuildResult,
  WaitForPreAggregationJobsInput,
  WaitForPreAggregationJobsResult,
  WaitHeartbeatDetails,
} from './types.js';

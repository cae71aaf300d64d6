/**
 * `@cube-jobs/temporal-workflows`: the Node side of the `buildPreAggregations` workflow: the worker
 * plugin, the workflows module's path, deterministic workflow ids, live progress, schedules, backfills
 * and fresh-on-demand refreshes. It reads the file system: workflow code imports
 * `@cube-jobs/temporal-workflows/workflow-safe` instead, and Node code takes the workflow, its query, its
 * types and the task queue from there too (each name has one entry).
 *
 * @example
 * ```ts
 * import { buildWorkflowId, cubeJobsPlugin } from '@cube-jobs/temporal-workflows';
 * import { buildPreAggregations } from '@cube-jobs/temporal-workflows/workflow-safe';
 *
 * const worker = await Worker.create({ connection, taskQueue: 'cube-jobs', plugins: [cubeJobsPlugin({ client })] });
 * await new Client().workflow.start(buildPreAggregations, {
 *   taskQueue: 'cube-jobs',
 *   workflowId: buildWorkflowId(selector, { deployment: 'prod' }),
 *   workflowIdConflictPolicy: 'USE_EXISTING',
 *   args: [{ selector }],
 * });
 * ```
 *
 * @module
 */
export { cubeJobsPlugin, type CubeJobsPluginOptions } from './plugin.js';
export { workflowsPath } from './workflows-path.js';
export { buildWorkflowId } from './workflow-id.js';
export { describeSelector } from './summaries.js';
export { describeBuildProgress } from './live-progress.js';
export { requestRefresh, type RequestRefreshOptions } from './refresh-client.js';
export type { RefreshOutcome } from './refresh.js';
export { createBuildSchedule, type BuildScheduleOptions } from './schedules.js';
export { backfillBuilds, type BackfillBuild, type BackfillOptions } from './backfill.js';
export { CUBE_JOBS_SEARCH_ATTRIBUTES } from './search-attributes.js';
export { CubeJobsSearchAttributesMissingError } from './search-attributes-check.js';

/**
 * `@cube-jobs/temporal-workflows`: the Node side of the `buildPreAggregations` workflow: the worker
 * plugin, the workflows module's path, deterministic workflow ids, and live progress for clients.
 * Workflow code imports from `@cube-jobs/temporal-workflows/workflow` instead (this entry reads the
 * file system and cannot be bundled).
 *
 * @example
 * ```ts
 * import { cubeJobsPlugin, buildWorkflowId } from '@cube-jobs/temporal-workflows';
 * const worker = await Worker.create({ connection, taskQueue: 'cube-jobs', plugins: [cubeJobsPlugin({ client })] });
 * ```
 *
 * @module
 */
export { workflowsPath } from './workflows-path.js';
export { CUBE_JOBS_PLUGIN_NAME, CubeJobsPlugin, cubeJobsPlugin, type CubeJobsPluginOptions } from './plugin.js';
// Everything workflow code may import is also here, for clients and workers.
export * from './workflow.js';
export {
  refreshWorkflowId,
  requestRefresh,
  sendRefreshRequest,
  waitForRefresh,
  type RequestRefreshOptions,
  type SentRefreshRequest,
} from './refresh-client.js';
export * from './schedules.js';
export * from './backfill.js';
export {
  assertSearchAttributesRegistered,
  CubeJobsSearchAttributesMissingError,
  findMissingSearchAttributes,
  searchAttributesCreateCommand,
  type VisibilityConnection,
} from './search-attributes-check.js';
export { buildWorkflowId, type BuildWorkflowIdOptions } from './workflow-id.js';
export { describeBuildProgress, type LiveBuildProgress } from './live-progress.js';

/**
 * `@cube-jobs/temporal-workflows/workflow-safe`: what your workflow code imports, safe in Temporal's
 * workflow sandbox (no Node built-ins, no worker-side code; a bundle test holds it to that): the
 * `buildPreAggregations` workflow for `executeChild`, its progress query, its input and result types,
 * and the default task queue. Node code imports these from here too: each name has one entry.
 *
 * Run `buildPreAggregations` as a child of your own workflow, and re-export our workflows from your
 * workflows module so your worker registers them. A failed build's `type` is one of core's
 * `ERROR_NAMES` (from `@cube-jobs/core/protocol`, sandbox-safe too):
 *
 * @example
 * ```ts
 * import { ERROR_NAMES } from '@cube-jobs/core/protocol';
 * import { ApplicationFailure, executeChild } from '@temporalio/workflow';
 * import { buildPreAggregations } from '@cube-jobs/temporal-workflows/workflow-safe';
 * export * from '@cube-jobs/temporal-workflows/workflows';
 *
 * export async function nightly(): Promise<void> {
 *   try {
 *     await executeChild(buildPreAggregations, { args: [{ selector }], workflowId: 'nightly-build' });
 *   } catch (error) {
 *     const cause = error instanceof Error ? error.cause : undefined;
 *     if (!(cause instanceof ApplicationFailure && cause.type === ERROR_NAMES.buildFailed)) throw error;
 *   }
 * }
 * ```
 *
 * Node-side helpers (the worker plugin, `workflowsPath`, `buildWorkflowId`, schedules, `requestRefresh`)
 * live in the package root, which reads the file system: never import it from workflow code.
 *
 * @module
 */
export { buildPreAggregations, getBuildProgress } from './build-workflow.js';
export { cubeJobsNexusService } from './nexus-service.js';
export {
  CUBE_JOBS_TASK_QUEUE,
  type BuildJob,
  type BuildPolicy,
  type BuildPreAggregationsInput,
  type BuildPreAggregationsResult,
  type BuildProgress,
  type BuildWaitOptions,
  type PreAggregationBuildFailedDetails,
} from './types.js';

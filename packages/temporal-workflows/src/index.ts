/**
 * `@cube-jobs/temporal-workflows`: the `buildPreAggregations` workflow and what a worker or client
 * needs around it. This entry is Node-side: pass {@link workflowsPath} to `Worker.create`, and import
 * workflow code itself from `@cube-jobs/temporal-workflows/workflows`.
 *
 * @example
 * ```ts
 * import { workflowsPath, buildWorkflowId } from '@cube-jobs/temporal-workflows';
 * const worker = await Worker.create({ taskQueue: 'cube-jobs', workflowsPath, activities: createCubeJobsActivities({ client }) });
 * ```
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiledWorkflows = fileURLToPath(new URL('./workflows.js', import.meta.url));

/**
 * Absolute path of the workflows module, for `Worker.create({ workflowsPath })` or `bundleWorkflowCode`.
 * Points at the compiled file, or at the TypeScript source when this module itself runs from source.
 */
export const workflowsPath: string = existsSync(compiledWorkflows)
  ? compiledWorkflows
  : compiledWorkflows.replace(/\.js$/, '.ts');

export { buildPreAggregations, getBuildProgress } from './workflows.js';
export { buildWorkflowId, type BuildWorkflowIdOptions } from './workflow-id.js';
export { BUILD_DEFAULTS } from './input.js';
export { describeBuildProgress, type LiveBuildProgress } from './live-progress.js';
export * from './types.js';

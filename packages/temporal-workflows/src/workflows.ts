/**
 * `@cube-jobs/temporal-workflows/workflows`: the module a worker registers (`workflowsPath` points
 * here): the workflows (`buildPreAggregations`, `refreshPreAggregations`) and their query and update
 * definitions, nothing else (Temporal registers every exported function as a workflow type). A worker
 * with workflow code of its own re-exports it from its workflows module:
 *
 * @example
 * ```ts
 * // src/workflows.ts of your worker (its workflowsPath, or what you bundle)
 * export * from '@cube-jobs/temporal-workflows/workflows';
 * export async function myPipeline(): Promise<void> {
 *   // ...
 * }
 * ```
 *
 * To call or type the build workflow, import from `@cube-jobs/temporal-workflows/workflow-safe` (the same
 * `buildPreAggregations` and `getBuildProgress`, with their types); the refresh workflow's query and update
 * are here only.
 *
 * @module
 */
export { buildPreAggregations, getBuildProgress } from './build-workflow.js';
export { getRefreshState, refreshPreAggregations, requestRefreshUpdate } from './refresh.js';

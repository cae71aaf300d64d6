/**
 * `@cube-jobs/temporal-workflows/workflow`: everything workflow code may import, and nothing else.
 * Safe in Temporal's workflow sandbox (no Node built-ins, no worker-side code); a bundle test holds it
 * to that.
 *
 * Run `buildPreAggregations` as a child of your own workflow, and re-export our workflows from your
 * workflows module so your worker registers them:
 *
 * @example
 * ```ts
 * import { executeChild } from '@temporalio/workflow';
 * import { buildPreAggregations, BUILD_FAILURE_TYPES } from '@cube-jobs/temporal-workflows/workflow';
 * export * from '@cube-jobs/temporal-workflows/workflows';
 *
 * export async function nightly(): Promise<void> {
 *   await executeChild(buildPreAggregations, { args: [{ selector }], workflowId: 'nightly-build' });
 * }
 * ```
 *
 * Node-side helpers (the worker plugin, `workflowsPath`, `buildWorkflowId`) live in the package root.
 *
 * @module
 */
export { buildPreAggregations, getBuildProgress } from './build-workflow.js';
export {
  getRefreshState,
  refreshBuildWorkflowId,
  refreshPreAggregations,
  requestRefreshUpdate,
  type RefreshOutcome,
  type RefreshTicket,
  type RefreshPreAggregationsInput,
  type RefreshState,
  type RefreshStatus,
} from './refresh.js';
export { BUILD_DEFAULTS } from './input.js';
export { describeSelector } from './summaries.js';
export { BUILD_METRICS } from './metrics.js';
export {
  CUBE_JOBS_SEARCH_ATTRIBUTE_KEYS,
  CUBE_JOBS_SEARCH_ATTRIBUTES,
  phaseSearchAttributes,
  selectorSearchAttributes,
  type AnySearchAttributeKey,
} from './search-attributes.js';
export * from './types.js';
export {
  CubeJobsValidationError,
  ERROR_NAMES,
  parseSelector,
  type JobState,
  type PreAggregationSelector,
  type PreAggregationSelectorInput,
} from '@cube-jobs/core/protocol';

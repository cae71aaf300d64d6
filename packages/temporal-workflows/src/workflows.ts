/**
 * The module a worker registers (`workflowsPath` points here): the workflows and their queries and
 * updates, nothing else (Temporal registers every exported function as a workflow type).
 *
 * @module
 */
export { buildPreAggregations, getBuildProgress } from './build-workflow.js';
export { getRefreshState, refreshPreAggregations, requestRefreshUpdate } from './refresh.js';

/**
 * The workflow-safe part of `@cube-jobs/core`, with no Node imports and no I/O, so Temporal workflow
 * code can import it: the job and selector types, selector validation, the validation error, and the
 * error names that become the `type` of the failures a workflow catches.
 *
 * @example
 * ```ts
 * import { ERROR_NAMES, parseSelector } from '@cube-jobs/core/protocol';
 * ```
 *
 * @module
 */
export type { JobMerge, JobState, JobStatus } from './job.js';
export { CubeJobsValidationError, ERROR_NAMES, type ValidationIssue } from './errors.js';
export type { PreAggregationSelector, PreAggregationSelectorInput } from './schemas.js';
export { parseSelector } from './validation.js';
export type { JobsPolicy } from './policy.js';

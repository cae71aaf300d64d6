/**
 * The workflow-safe part of `@cube-jobs/core`: the job model, schemas and validation, status parsing
 * and summaries, the policy and poll-schedule defaults, and the error classes, with no Node imports
 * and no I/O, so Temporal workflow code can import it.
 *
 * @example
 * ```ts
 * import { parseSelector, summarizeJobs, DEFAULT_JOBS_POLICY } from '@cube-jobs/core/protocol';
 * ```
 *
 * @module
 */
export * from './job.js';
export * from './errors.js';
export * from './schemas.js';
export * from './validation.js';
export * from './policy.js';
export * from './status.js';
export * from './schedule.js';
export * from './canonical-json.js';

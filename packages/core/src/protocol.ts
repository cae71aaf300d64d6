/**
 * The workflow-safe part of `@cube-jobs/core`: schemas, status parsing, summaries and error classes,
 * with no Node imports and no I/O, so Temporal workflow code can import it.
 *
 * @example
 * ```ts
 * import { parseSelector, summarizeJobs } from '@cube-jobs/core/protocol';
 * ```
 *
 * @module
 */
export * from './errors.js';
export * from './schemas.js';
export * from './status.js';
export * from './schedule.js';

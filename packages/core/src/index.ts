/**
 * `@cube-jobs/core`: a typed client for Cube's Orchestration API (`/v1/pre-aggregations/jobs`).
 * Trigger pre-aggregation builds, read their statuses, and wait for them, with typed errors,
 * retries, timeouts, abort signals and secret redaction. No Temporal imports. This entry is what a
 * program calls and types; workflow code imports from `@cube-jobs/core/protocol` instead.
 *
 * @example
 * ```ts
 * import { createCubeJobsClient } from '@cube-jobs/core';
 *
 * const cube = createCubeJobsClient({ apiUrl: 'http://localhost:4000/cubejs-api', apiSecret: process.env.CUBE_API_SECRET! });
 * const tokens = await cube.triggerBuild({
 *   contexts: [{ securityContext: {} }],
 *   timezones: ['UTC'],
 *   preAggregations: ['orders.by_month'],
 *   dateRange: ['2024-01-01', '2024-01-31'],
 * });
 * const { jobs } = await cube.waitForJobs({ tokens, deadlineMs: 30 * 60_000 });
 * ```
 *
 * @module
 */
export { createCubeJobsClient, type CallOptions, type CubeJobsClient, type WaitForJobsOptions } from './client.js';
export type { AdvancedClientOptions, CubeJobsClientOptions, CubeRequestEvent } from './options.js';
export { createJwtTokenProvider, type TokenProvider } from './auth.js';
export type { PartitionVerification } from './verify.js';
export type { JobMerge, JobState, JobStatus } from './job.js';
export type { JobsPolicy } from './policy.js';
export type { PreAggregationSelector, PreAggregationSelectorInput } from './schemas.js';
export { parseSelector } from './validation.js';
export type { JobsSummary } from './status.js';
export { pollJobs, type PollJobsOptions, type WaitResult, type WaitState } from './wait.js';
export {
  CubeJobsAbortError,
  CubeJobsApiError,
  CubeJobsAuthError,
  CubeJobsBadRequestError,
  CubeJobsConnectionError,
  CubeJobsError,
  CubeJobsMissingScopeError,
  CubeJobsProtocolError,
  CubeJobsRateLimitError,
  CubeJobsServerError,
  CubeJobsTimeoutError,
  CubeJobsUnsupportedError,
  CubeJobsValidationError,
  PreAggregationBuildFailedError,
  PreAggregationWaitTimeoutError,
  ERROR_NAMES,
  type RequestSummary,
  type ValidationIssue,
} from './errors.js';

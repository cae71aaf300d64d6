/**
 * `@cube-jobs/core`: a typed client for Cube's Orchestration API (`/v1/pre-aggregations/jobs`).
 * Trigger pre-aggregation builds, read their statuses, and wait for them, with typed errors,
 * retries, timeouts, abort signals and secret redaction. No Temporal imports.
 *
 * @example
 * ```ts
 * import { createCubeJobsClient } from '@cube-jobs/core';
 *
 * const cube = createCubeJobsClient({ apiUrl: 'http://localhost:4000/cubejs-api', apiSecret: process.env.CUBEJS_API_SECRET! });
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
export * from './protocol.js';
export { createCubeJobsClient, type CubeJobsClient, type CallOptions, type WaitForJobsOptions } from './client.js';
export { createJwtTokenProvider, type JwtTokenProviderOptions, type TokenProvider } from './auth.js';
export {
  DEFAULT_REQUEST_PACING,
  jobsEndpointUrl,
  type CubeJobsClientOptions,
  type CubeRequestEvent,
  type FetchLike,
} from './options.js';
export {
  DEFAULT_MERGED_JOB_TRACKER,
  MergedJobTracker,
  splitBuildTime,
  type MergedJobTrackerOptions,
} from './merged-jobs.js';
export {
  createStatusPoller,
  DEFAULT_STATUS_POLLER,
  type StatusPoller,
  type StatusPollerDependencies,
  type StatusPollerOptions,
  type StatusPollerStats,
  type StatusRequest,
} from './status-poller.js';
export {
  pollJobs,
  type JobStatusSource,
  type PollJobsOptions,
  type WaitOutcome,
  type WaitProgress,
  type WaitResult,
  type WaitState,
} from './wait.js';

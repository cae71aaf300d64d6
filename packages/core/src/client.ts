/**
 * The Cube jobs client: `triggerBuild` (action `post`), `getJobStatuses` (action `get`) and
 * `waitForJobs` for callers without Temporal.
 *
 * @module
 */
import { createJwtTokenProvider, type TokenProvider } from './auth.js';
import { CubeJobsProtocolError, PreAggregationBuildFailedError, PreAggregationWaitTimeoutError } from './errors.js';
import { callJobsEndpoint, type CallOptions } from './internal/http.js';
import { RateLimiter } from './internal/rate-limiter.js';
import { Redactor } from './internal/redact.js';
import { resolveClientOptions, type CubeJobsClientOptions, type ResolvedClientOptions } from './options.js';
import type { JobStatus } from './job.js';
import { dateRangeSupportCheck, MergedJobTracker } from './cube-quirks/index.js';
import { PostJobsResponseSchema, type PreAggregationSelectorInput } from './schemas.js';
import { createStatusPoller, type StatusPollerStats } from './status-poller.js';
import { createStatusReader } from './status-reader.js';
import { parseSelector } from './validation.js';
import type { PollScheduleOptions } from './schedule.js';
import { pollJobs, type WaitOptions, type WaitResult } from './wait.js';
import { outsideCallerTrace } from './internal/tracing.js';

export type { CallOptions } from './internal/http.js';

/** Options of {@link CubeJobsClient.waitForJobs}. */
export interface WaitForJobsOptions extends WaitOptions {
  /**
   * When to poll. Expert: the default notices completion within 5 % of the time waited (first poll after
   * 1 s, intervals up to 30 s); tests against a fast fake shorten it.
   */
  readonly schedule?: PollScheduleOptions | undefined;
}

/** A client for one Cube deployment's `/v1/pre-aggregations/jobs` endpoint. */
export interface CubeJobsClient {
  /** The full URL of the jobs endpoint this client talks to. */
  readonly endpoint: string;
  /**
   * Triggers builds of the pre-aggregations a selector matches (action `post`) and returns one token per
   * job (context × pre-aggregation × time zone × partition). The selector is validated first; an invalid
   * one throws {@link CubeJobsSelectorError} without sending anything.
   */
  triggerBuild(selector: PreAggregationSelectorInput, call?: CallOptions): Promise<string[]>;
  /**
   * Reads the status of each token (action `get`), in the order given; long lists are split into
   * several requests. Unknown or expired tokens come back as `not_found`.
   */
  getJobStatuses(tokens: readonly string[], call?: CallOptions): Promise<JobStatus[]>;
  /**
   * Reads the status of each token for a wait. With `statusPolling: 'shared'` (the default) the read
   * joins the next tick of the client's shared poller, so concurrent waits share requests; with
   * `independent` it is a {@link getJobStatuses} of its own. Waits (`waitForJobs`, the Temporal
   * activities) read through this.
   */
  readStatuses(tokens: readonly string[], signal?: AbortSignal): Promise<JobStatus[]>;
  /** What the shared poller has done so far (all zeros with `statusPolling: 'independent'`). */
  pollerStats(): StatusPollerStats;
  /**
   * Polls until every job is finished. Resolves when all are `done` (or, with a `retrigger` policy,
   * when the remaining ones must be triggered again: see `outcome`); rejects with
   * {@link PreAggregationBuildFailedError} listing every failed job, or with
   * {@link PreAggregationWaitTimeoutError} at the deadline.
   */
  waitForJobs(options: WaitForJobsOptions): Promise<WaitResult>;
  /** Removes this client's secrets and any JWT from a string (for your own logs). */
  redact(text: string): string;
}

/**
 * Creates a client. Options are validated at once; bad ones throw {@link CubeJobsConfigError} naming
 * the field.
 *
 * @example
 * ```ts
 * const cube = createCubeJobsClient({ apiUrl: 'http://localhost:4000/cubejs-api', apiSecret: process.env.CUBEJS_API_SECRET! });
 * const tokens = await cube.triggerBuild({ contexts: [{ securityContext: {} }], timezones: ['UTC'], preAggregations: ['orders.by_month'] });
 * const result = await cube.waitForJobs({ tokens });
 * ```
 */
export function createCubeJobsClient(options: CubeJobsClientOptions): CubeJobsClient {
  const redactor = new Redactor();
  redactor.add(options.apiSecret);
  if (typeof options.token === 'string') redactor.add(options.token);
  const resolved = resolveClientOptions(options);
  const tokenProvider = makeTokenProvider(resolved, redactor);
  const limiter = new RateLimiter({
    maxRequestsPerSecond: resolved.maxRequestsPerSecond,
    burst: resolved.rateLimitBurst,
  });
  const send = (body: { action: 'post' | 'get' } & Record<string, unknown>, call?: CallOptions) =>
    callJobsEndpoint(resolved, tokenProvider, redactor, limiter, body, call);

  const getJobStatuses = createStatusReader({
    send,
    redactor,
    batchSize: resolved.statusBatchSize,
    merges: resolved.followMergedJobs ? new MergedJobTracker() : undefined,
  });

  const checkDateRangeSupport = dateRangeSupportCheck(resolved.honoursDateRange, (call?: CallOptions) =>
    send(
      { action: 'get', tokens: [] },
      { ...call, requestId: call?.requestId === undefined ? undefined : `${call.requestId}-date-range-check` },
    ),
  );

  let pollerRequests = 0;
  const poller = createStatusPoller(
    {
      request: (tokens) =>
        outsideCallerTrace(() =>
          getJobStatuses(tokens, { requestId: `status-poller-${(pollerRequests += 1)}`, maxRetries: 0 }),
        ),
      pausedUntilMs: () => limiter.pausedUntil,
      pause: (ms) => limiter.pause(ms),
    },
    { tickMs: resolved.pollTickMs, maxTokensPerRequest: resolved.statusBatchSize },
  );
  const readStatuses = (tokens: readonly string[], signal?: AbortSignal): Promise<JobStatus[]> =>
    resolved.statusPolling === 'shared' ? poller.read(tokens, signal) : getJobStatuses(tokens, { signal });

  return {
    endpoint: resolved.endpoint,
    async triggerBuild(selector, call) {
      const valid = parseSelector(selector);
      if (valid.dateRange) await checkDateRangeSupport(call);
      return parsePostResponse(await send({ action: 'post', selector: valid }, call), redactor);
    },
    getJobStatuses,
    readStatuses,
    pollerStats: () => poller.stats(),
    async waitForJobs({ schedule, ...waitOptions }) {
      const result = await pollJobs(readStatuses, { ...schedule, ...waitOptions });
      if (result.outcome === 'failed') throw redactor.error(new PreAggregationBuildFailedError(result.summary.failed));
      if (result.outcome === 'deadline_exceeded') {
        throw new PreAggregationWaitTimeoutError(waitOptions.deadlineMs ?? result.elapsedMs, result.summary.pending);
      }
      return result;
    },
    redact: (text) => redactor.text(text),
  };
}

/** The tokens of a `post` answer, or a protocol error naming what came instead. */
function parsePostResponse(body: unknown, redactor: Redactor): string[] {
  const parsed = PostJobsResponseSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw redactor.error(
    new CubeJobsProtocolError(
      'Cube answered a post with something other than an array of job tokens',
      redactor.value(body),
    ),
  );
}

function makeTokenProvider(resolved: ResolvedClientOptions, redactor: Redactor): TokenProvider {
  if (resolved.apiSecret !== undefined) {
    return createJwtTokenProvider({
      apiSecret: resolved.apiSecret,
      securityContext: resolved.securityContext,
      tokenTtlMs: resolved.tokenTtlMs,
      onMint: (token) => redactor.add(token),
    });
  }
  const token = resolved.token;
  if (typeof token === 'function') return token;
  return () => token as string;
}

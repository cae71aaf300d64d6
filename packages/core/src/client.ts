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
import { dateRangeSupportCheck, isUnknownToken500, MergedJobTracker } from './cube-quirks/index.js';
import {
  GetJobsResponseSchema,
  PostJobsResponseSchema,
  type JobStatusItem,
  type PreAggregationSelectorInput,
} from './schemas.js';
import { parseJobStatus } from './status.js';
import { createStatusPoller, type StatusPollerStats } from './status-poller.js';
import { parseSelector, parseTokens } from './validation.js';
import { pollJobs, type PollJobsOptions, type WaitResult } from './wait.js';
import { outsideCallerTrace } from './internal/tracing.js';

export type { CallOptions } from './internal/http.js';

/** Options of {@link CubeJobsClient.waitForJobs}. */
export type WaitForJobsOptions = Omit<PollJobsOptions, 'nowMs'> & {
  /** Per-request options for each status poll (timeout, retries, request id); given, the wait sends its own requests instead of sharing the client's poller. */
  readonly request?: Omit<CallOptions, 'signal'> | undefined;
};

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

  /**
   * Reads one batch. A Cube before 0.34 answers 500 for the whole batch when one token is unknown: the
   * batch is then read token by token, and the tokens it cannot read are `not_found`, as later releases say.
   */
  const readBatch = async (batch: readonly string[], call?: CallOptions): Promise<JobStatusItem[]> => {
    try {
      return parseStatusResponse(await send({ action: 'get', tokens: batch }, call), batch, redactor);
    } catch (error) {
      if (!isUnknownToken500(error)) throw error;
      if (batch.length === 1) return [{ token: batch[0] as string, status: 'not_found' }];
      const items: JobStatusItem[] = [];
      for (const token of batch) items.push(...(await readBatch([token], call)));
      return items;
    }
  };

  const merges = resolved.followMergedJobs ? new MergedJobTracker() : undefined;

  const readTokens = async (tokens: readonly string[], call?: CallOptions): Promise<JobStatus[]> => {
    const byToken = new Map<string, JobStatusItem>();
    for (let start = 0; start < tokens.length; start += resolved.statusBatchSize) {
      const batch = [...new Set(tokens.slice(start, start + resolved.statusBatchSize))];
      for (const item of await readBatch(batch, call)) byToken.set(item.token, item);
    }
    return tokens.map((token) => parseJobStatus(byToken.get(token) ?? { token, status: 'not_found' }));
  };

  const getJobStatuses = async (tokens: readonly string[], call?: CallOptions): Promise<JobStatus[]> => {
    const valid = parseTokens(tokens);
    if (!merges) return readTokens(valid, call);
    // The builds some of these jobs were merged into are read with them, so their state is current;
    // a twin found by this read is read at once, to learn whether it was still in flight.
    const read = [...new Set([...valid, ...merges.twinsOf(valid)])];
    const statuses = await readTokens(read, call);
    const followed = merges.follow(statuses, valid);
    const found = merges.twinsOf(read);
    if (found.length === 0) return followed;
    return merges.follow([...statuses, ...(await readTokens(found, call))], valid);
  };

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
        outsideCallerTrace(() => getJobStatuses(tokens, { requestId: `status-poller-${(pollerRequests += 1)}` })),
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
      const body = await send({ action: 'post', selector: valid }, call);
      const parsed = PostJobsResponseSchema.safeParse(body);
      if (!parsed.success) {
        throw redactor.error(
          new CubeJobsProtocolError(
            'Cube answered a post with something other than an array of job tokens',
            redactor.value(body),
          ),
        );
      }
      return parsed.data;
    },
    getJobStatuses,
    readStatuses,
    pollerStats: () => poller.stats(),
    async waitForJobs(waitOptions) {
      const request = waitOptions.request;
      const source =
        request === undefined
          ? readStatuses
          : (tokens: string[], signal: AbortSignal | undefined) => getJobStatuses(tokens, { ...request, signal });
      const result = await pollJobs(source, waitOptions);
      if (result.outcome === 'failed') throw redactor.error(new PreAggregationBuildFailedError(result.summary.failed));
      if (result.outcome === 'deadline_exceeded') {
        throw new PreAggregationWaitTimeoutError(waitOptions.deadlineMs ?? result.elapsedMs, result.summary.pending);
      }
      return result;
    },
    redact: (text) => redactor.text(text),
  };
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

/** Normalises both answer shapes of `get` into items with a token. */
function parseStatusResponse(body: unknown, requested: readonly string[], redactor: Redactor): JobStatusItem[] {
  const parsed = GetJobsResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw redactor.error(
      new CubeJobsProtocolError('Cube answered a get with something other than job statuses', redactor.value(body)),
    );
  }
  const items = Array.isArray(parsed.data)
    ? parsed.data
    : Object.entries(parsed.data).map(([token, value]) => ({ ...value, token }));
  const wanted = new Set(requested);
  const unexpected = items.find((item) => !wanted.has(item.token));
  if (unexpected) {
    throw redactor.error(
      new CubeJobsProtocolError(
        `Cube answered a get with a token that was not asked for: ${unexpected.token}`,
        redactor.value(body),
      ),
    );
  }
  return items;
}

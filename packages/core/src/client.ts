/**
 * The Cube jobs client: `triggerBuild` (action `post`), `getJobStatuses` (action `get`) and
 * `waitForJobs` for callers without Temporal.
 *
 * @module
 */
import { createJwtTokenProvider, type TokenProvider } from './auth.js';
import { CubeJobsProtocolError, PreAggregationBuildFailedError, PreAggregationWaitTimeoutError } from './errors.js';
import { callCube, callJobsEndpoint, type CallOptions } from './internal/http.js';
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
import { verifyJobs } from './verifier.js';
import type { PartitionVerification } from './verify.js';

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
  /**
   * Proves that Cube serves what its `done` jobs built (Cube can read `done` for a partition it does not
   * serve, cube-js/cube #11609). For each job: one query of exactly its partition from its pre-aggregation
   * (`/v1/load`, scope `data`, Cube's result cache bypassed, under the job's security context, which needs
   * `apiSecret`), built from the pre-aggregation's definition (`/v1/meta?extended`, scope `meta`, once per
   * security context). Verified: Cube read the pre-aggregation, a build no older than the job's, with at
   * least `minRows` rows. Returns one {@link PartitionVerification} per token, in order; a job not `done`
   * is not verified. Throws what talking to Cube threw (a missing scope is {@link CubeJobsMissingScopeError}).
   * Needs Cube 1.7.43 or later (earlier releases name the pre-aggregations a query read only in dev mode).
   */
  verifyJobs(
    tokens: readonly string[],
    options?: {
      /** Fewest rows each partition must have (for partitions that must not be empty). @default 0 */
      readonly minRows?: number | undefined;
      /** Aborts the verification. */
      readonly signal?: AbortSignal | undefined;
    },
  ): Promise<PartitionVerification[]>;
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
  const contextTokens = contextTokenProviders(resolved, tokenProvider, redactor);
  const apiBase = resolved.endpoint.replace(/\/pre-aggregations\/jobs$/, '');
  const verifier = {
    readStatuses: (tokens: readonly string[], signal: AbortSignal | undefined) => getJobStatuses(tokens, { signal }),
    meta: (securityContext: unknown, signal: AbortSignal | undefined) =>
      callCube(
        resolved,
        contextTokens(securityContext),
        redactor,
        limiter,
        { action: 'meta', method: 'GET', url: `${apiBase}/meta?extended` },
        { signal },
      ),
    load: (query: object, securityContext: unknown, signal: AbortSignal | undefined) =>
      callCube(
        resolved,
        contextTokens(securityContext),
        redactor,
        limiter,
        { action: 'load', method: 'POST', url: `${apiBase}/load`, body: { query, cache: 'no-cache' } },
        { signal },
      ),
  };

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
    async verifyJobs(tokens, options) {
      return verifyJobs(verifier, tokens, options);
    },
    redact: (text) => redactor.text(text),
  };
}

/** Most security contexts whose JWT minters a client keeps for verification queries. */
const MAX_CONTEXT_TOKEN_PROVIDERS = 100;

/**
 * The token a verification query of a job is sent with: with `apiSecret`, a JWT whose claims are the
 * job's security context (what Cube built the partition for); with a fixed token, that token.
 */
function contextTokenProviders(
  resolved: ResolvedClientOptions,
  tokenProvider: TokenProvider,
  redactor: Redactor,
): (securityContext: unknown) => TokenProvider {
  const providers = new Map<string, TokenProvider>();
  return (securityContext) => {
    const apiSecret = resolved.apiSecret;
    if (apiSecret === undefined || securityContext === null || typeof securityContext !== 'object') {
      return tokenProvider;
    }
    const key = JSON.stringify(securityContext);
    let provider = providers.get(key);
    if (!provider) {
      if (providers.size >= MAX_CONTEXT_TOKEN_PROVIDERS) providers.clear();
      provider = createJwtTokenProvider({
        apiSecret,
        securityContext: securityContext as Record<string, unknown>,
        tokenTtlMs: resolved.tokenTtlMs,
        onMint: (token) => redactor.add(token),
      });
      providers.set(key, provider);
    }
    return provider;
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

/**
 * Options of {@link createCubeJobsClient}, validated with zod so a mistake names its field.
 *
 * @module
 */
import { z } from 'zod';
import type { TokenProvider } from './auth.js';
import { CubeJobsConfigError } from './errors.js';
import { SecurityContextSchema } from './schemas.js';
import { DEFAULT_STATUS_POLLER } from './status-poller.js';
import type { ValidationIssue } from './errors.js';
import { toValidationIssues } from './validation.js';

/** The `fetch` signature the client needs (the global `fetch` fits). */
type FetchLike = NonNullable<AdvancedClientOptions['fetch']>;

/**
 * Options of the Cube jobs client: where Cube is and how to sign in (give `apiSecret` or `token`), and a
 * few you may tune. The defaults fit a Temporal worker; the expert knobs are grouped in `advanced`.
 */
export interface CubeJobsClientOptions {
  /**
   * Cube's REST base URL including its base path, e.g. `http://localhost:4000/cubejs-api`. A URL with
   * no path gets Cube's default `/cubejs-api`; a trailing slash or `/v1` is tolerated.
   */
  readonly apiUrl: string;
  /** Cube's API secret (`CUBEJS_API_SECRET`); the client mints short-lived HS256 JWTs itself. */
  readonly apiSecret?: string | undefined;
  /** A ready token, or a function returning one, called before every request (instead of `apiSecret`). */
  readonly token?: string | TokenProvider | undefined;
  /** Claims of the minted JWT (the caller's security context). Only with `apiSecret`. @default {} */
  readonly securityContext?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Most requests per second this client sends to Cube, `post` and `get` alike (a token bucket; Cube
   * Cloud allows 100 per deployment, shared by all your workers and queries). `Infinity` for no limit.
   * A 429 pauses every request of the client for its `Retry-After`, whatever this says. @default 50
   */
  readonly maxRequestsPerSecond?: number | undefined;
  /** Time allowed for one HTTP attempt. @default 30000 */
  readonly timeoutMs?: number | undefined;
  /**
   * Whether this Cube honours `selector.dateRange`. Unset, the client asks once, before the first post
   * with a `dateRange`: releases that honour it answer a status read of no tokens with 400, the 0.3x
   * releases that ignore it (and would rebuild every partition) with 200. Set `true` for a server that
   * honours it but answers that read with 200 (a proxy, a Cube-compatible server), `false` to refuse
   * every `dateRange` without asking. @default undefined (asked once)
   */
  readonly honoursDateRange?: boolean | undefined;
  /**
   * Called after every HTTP attempt, answered or not (e.g. to count requests and their durations as
   * metrics; see `cubeRequestMetrics` in `@cube-jobs/temporal-activities`). It must not throw; an
   * error it throws is ignored.
   */
  readonly onRequest?: ((event: CubeRequestEvent) => void) | undefined;
  /** Expert knobs. Each default is measured to fit; change one only for a reason you have measured. */
  readonly advanced?: AdvancedClientOptions | undefined;
}

/** The client's expert knobs ({@link CubeJobsClientOptions.advanced}). */
export interface AdvancedClientOptions {
  /** Retries of one call after a retryable failure, for your own calls only: the Temporal activities and the shared poller send each request once and retry in their own layer. @default 2 */
  readonly maxRetries?: number | undefined;
  /** First backoff delay of those retries; doubles per retry, with jitter. @default 500 */
  readonly retryBaseDelayMs?: number | undefined;
  /** Longest backoff delay, also the cap on `Retry-After`. @default 30000 */
  readonly retryMaxDelayMs?: number | undefined;
  /** The shared poller's tick: reads within one tick share a request, and wait at most this long. @default 1000 */
  readonly pollTickMs?: number | undefined;
  /** Most tokens per `get` request; longer lists (and the shared poller's ticks) are split. @default 10000 */
  readonly statusBatchSize?: number | undefined;
  /**
   * `shared`: every wait of this client reads its statuses through one poller (reads in the same tick
   * share one `get`). `independent`: each wait sends its own requests (the benchmark's comparison).
   * @default 'shared'
   */
  readonly statusPolling?: 'shared' | 'independent' | undefined;
  /** Requests that may go at once after a quiet spell. @default maxRequestsPerSecond (at least 1) */
  readonly rateLimitBurst?: number | undefined;
  /** Lifetime of minted JWTs (at least 2 s; JWT times are whole seconds). Only with `apiSecret`. @default 3600000 */
  readonly tokenTtlMs?: number | undefined;
  /** `raw` sends `Authorization: <jwt>` (Cube's default); `bearer` sends `Authorization: Bearer <jwt>`. @default 'raw' */
  readonly authorizationScheme?: 'raw' | 'bearer' | undefined;
  /** Extra headers sent with every request (credentials belong in `apiSecret`/`token`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * Follow jobs Cube merged into an identical build it had queued (a second build of a partition while
   * the first is in flight): such a job reads `missing_partition` for good, so the client reports it with
   * the state of that build when it has read it, `done` once that build is (see `JobStatus.merge`).
   * `false` reports Cube's statuses as they are. @default true
   */
  readonly followMergedJobs?: boolean | undefined;
  /** `fetch` implementation. @default globalThis.fetch */
  readonly fetch?: ((input: string, init: RequestInit) => Promise<Response>) | undefined;
}

/** One HTTP attempt to Cube, as {@link CubeJobsClientOptions.onRequest} sees it. */
export interface CubeRequestEvent {
  /** Cube action: `post` or `get` (the jobs endpoint), `load` or `meta` (a verification's query and model). */
  readonly action: 'post' | 'get' | 'load' | 'meta';
  /** Attempt number within the call, starting at 1. */
  readonly attempt: number;
  /** The attempt's `x-request-id`. */
  readonly requestId: string;
  /** HTTP status Cube answered with; undefined when no answer arrived (connection error, timeout, abort). */
  readonly statusCode: number | undefined;
  /** `ok`, or the name of the typed error the attempt ended with (e.g. `CubeJobsRateLimitError`). */
  readonly result: 'ok' | string;
  /** Time from sending the request to reading the whole answer (or giving up). */
  readonly durationMs: number;
  /** Tokens asked about (`get`) or returned (`post`). */
  readonly tokenCount: number | undefined;
}

const durationMs = (what: string) =>
  z
    .number({ error: `must be a number of milliseconds (${what})` })
    .int('must be a whole number of milliseconds')
    .positive('must be greater than 0');

const AdvancedSchema = z.strictObject({
  maxRetries: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(20, 'must be at most 20')
    .optional(),
  retryBaseDelayMs: durationMs('first backoff delay').optional(),
  retryMaxDelayMs: durationMs('longest backoff delay').optional(),
  pollTickMs: durationMs('tick of the shared status poller').max(60_000, 'must be at most 60000').optional(),
  statusBatchSize: z.number().int().min(1).max(10_000).optional(),
  statusPolling: z.enum(['shared', 'independent']).optional(),
  rateLimitBurst: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  tokenTtlMs: durationMs('lifetime of minted JWTs').min(2000, 'must be at least 2000').optional(),
  authorizationScheme: z.enum(['raw', 'bearer']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  followMergedJobs: z.boolean({ error: 'must be true or false' }).optional(),
  fetch: z.custom<FetchLike>((v) => typeof v === 'function', 'must be a fetch function').optional(),
});

const OptionsSchema = z
  .strictObject({
    apiUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:4000/cubejs-api' }),
    apiSecret: z.string().min(1, 'must not be empty').optional(),
    token: z
      .union([z.string().min(1, 'must not be empty'), z.custom<TokenProvider>((v) => typeof v === 'function')], {
        error: 'must be a string or a function returning one',
      })
      .optional(),
    securityContext: SecurityContextSchema.optional(),
    maxRequestsPerSecond: z
      .custom<number>((value) => typeof value === 'number' && value > 0, {
        error: 'must be a number of requests per second greater than 0 (or Infinity)',
      })
      .optional(),
    timeoutMs: durationMs('time per attempt').optional(),
    honoursDateRange: z.boolean({ error: 'must be true or false' }).optional(),
    onRequest: z
      .custom<(event: CubeRequestEvent) => void>((v) => typeof v === 'function', 'must be a function')
      .optional(),
    advanced: AdvancedSchema.optional(),
  })
  .superRefine((options, ctx) => {
    if (options.token !== undefined && options.apiSecret !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'give either token or apiSecret, not both' });
    }
    if (options.token === undefined && options.apiSecret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'one of token or apiSecret is required' });
    }
    if (options.apiSecret === undefined) {
      if (options.securityContext !== undefined)
        ctx.addIssue({ code: 'custom', path: ['securityContext'], message: 'only applies with apiSecret' });
      if (options.advanced?.tokenTtlMs !== undefined)
        ctx.addIssue({ code: 'custom', path: ['advanced', 'tokenTtlMs'], message: 'only applies with apiSecret' });
    }
    for (const name of Object.keys(options.advanced?.headers ?? {})) {
      if (['authorization', 'x-cube-authorization'].includes(name.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['advanced', 'headers', name],
          message: 'set credentials with token or apiSecret, not headers',
        });
      }
    }
  });

/** Options after validation, with every default filled in. */
export interface ResolvedClientOptions {
  /** Full URL of the jobs endpoint. */
  readonly endpoint: string;
  readonly token: string | TokenProvider | undefined;
  readonly apiSecret: string | undefined;
  readonly securityContext: Readonly<Record<string, unknown>>;
  readonly tokenTtlMs: number;
  readonly authorizationScheme: 'raw' | 'bearer';
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly statusBatchSize: number;
  readonly statusPolling: 'shared' | 'independent';
  readonly pollTickMs: number;
  readonly maxRequestsPerSecond: number;
  readonly rateLimitBurst: number;
  readonly followMergedJobs: boolean;
  readonly honoursDateRange: boolean | undefined;
  readonly fetch: FetchLike;
  readonly onRequest: ((event: CubeRequestEvent) => void) | undefined;
}

/** The client's defaults for the options that pace its requests. */
export const DEFAULT_REQUEST_PACING = {
  statusBatchSize: DEFAULT_STATUS_POLLER.maxTokensPerRequest,
  statusPolling: 'shared',
  pollTickMs: DEFAULT_STATUS_POLLER.tickMs,
  maxRequestsPerSecond: 50,
} as const;

/** Builds the jobs endpoint URL from Cube's REST base URL. */
export function jobsEndpointUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  let path = url.pathname.replace(/\/+$/, '');
  path = path.replace(/\/v1$/, '');
  if (path === '') path = '/cubejs-api';
  url.pathname = `${path}/v1/pre-aggregations/jobs`;
  url.search = '';
  url.hash = '';
  url.username = '';
  url.password = '';
  return url.toString();
}

/**
 * Validates options and fills in defaults. Throws {@link CubeJobsConfigError} naming each bad field;
 * secret values never appear in the message.
 */
export function resolveClientOptions(input: CubeJobsClientOptions): ResolvedClientOptions {
  const result = OptionsSchema.safeParse(input);
  if (!result.success) {
    // Messages are written by us and name fields only; no input value (which may be a secret) is echoed.
    throw new CubeJobsConfigError(toValidationIssues(result.error, 'options').map(explainUnknownKey));
  }
  const { advanced = {}, ...options } = result.data;
  const maxRequestsPerSecond = options.maxRequestsPerSecond ?? DEFAULT_REQUEST_PACING.maxRequestsPerSecond;
  return {
    endpoint: jobsEndpointUrl(options.apiUrl),
    token: options.token,
    apiSecret: options.apiSecret,
    securityContext: options.securityContext ?? {},
    tokenTtlMs: advanced.tokenTtlMs ?? 3_600_000,
    authorizationScheme: advanced.authorizationScheme ?? 'raw',
    headers: advanced.headers ?? {},
    timeoutMs: options.timeoutMs ?? 30_000,
    maxRetries: advanced.maxRetries ?? 2,
    retryBaseDelayMs: advanced.retryBaseDelayMs ?? 500,
    retryMaxDelayMs: advanced.retryMaxDelayMs ?? 30_000,
    statusBatchSize: advanced.statusBatchSize ?? DEFAULT_REQUEST_PACING.statusBatchSize,
    statusPolling: advanced.statusPolling ?? DEFAULT_REQUEST_PACING.statusPolling,
    pollTickMs: advanced.pollTickMs ?? DEFAULT_REQUEST_PACING.pollTickMs,
    maxRequestsPerSecond,
    rateLimitBurst:
      advanced.rateLimitBurst ??
      (Number.isFinite(maxRequestsPerSecond) ? Math.max(1, Math.ceil(maxRequestsPerSecond)) : 1),
    followMergedJobs: advanced.followMergedJobs ?? true,
    honoursDateRange: options.honoursDateRange,
    fetch: advanced.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    onRequest: options.onRequest,
  };
}

/** An unknown key's issue, saying where an expert knob goes or which keys there are. */
function explainUnknownKey(issue: ValidationIssue): ValidationIssue {
  const key = /^options\.(?:advanced\.)?(\w+)$/.exec(issue.path)?.[1];
  if (key === undefined || !issue.message.startsWith('unknown key')) return issue;
  if (!issue.path.startsWith('options.advanced.') && key in AdvancedSchema.shape) {
    return { path: issue.path, message: `is an expert option: give it as advanced.${key}` };
  }
  const allowed = Object.keys(issue.path.startsWith('options.advanced.') ? AdvancedSchema.shape : OptionsSchema.shape);
  return { path: issue.path, message: `unknown key "${key}" (allowed: ${allowed.join(', ')})` };
}

/**
 * One logical call to Cube's REST API (the jobs endpoint, and `/v1/load` and `/v1/meta` for verification): authorization, per-attempt timeout, caller abort, retries with
 * backoff, `x-request-id` spans (and OpenTelemetry spans with `traceparent` when available), and the
 * mapping of answers to typed errors. Internal.
 */
import {
  CubeJobsAbortError,
  CubeJobsApiError,
  CubeJobsAuthError,
  CubeJobsBadRequestError,
  CubeJobsConnectionError,
  CubeJobsContinueWaitError,
  CubeJobsError,
  CubeJobsMissingScopeError,
  CubeJobsProtocolError,
  CubeJobsRateLimitError,
  CubeJobsServerError,
  CubeJobsTimeoutError,
  type RequestSummary,
} from '../errors.js';
import type { ResolvedClientOptions } from '../options.js';
import { attemptOutcome, type AttemptOutcome } from './attempt-outcome.js';
import type { TokenProvider } from '../auth.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Redactor } from './redact.js';
import { abortableSleep, parseRetryAfterMs, retryDelayMs } from './retry.js';
import { withRequestSpan } from './tracing.js';
import { isContinueWait, isMissingScopeMessage, isTransientDatabaseError } from '../cube-quirks/index.js';

/** Per-call overrides. */
export interface CallOptions {
  /** Aborts the call (and any backoff sleep); surfaces as `CubeJobsAbortError`. */
  readonly signal?: AbortSignal | undefined;
  /** Overrides the client's `timeoutMs` for this call. */
  readonly timeoutMs?: number | undefined;
  /** Overrides the client's `maxRetries` for this call. */
  readonly maxRetries?: number | undefined;
  /** Base of the `x-request-id` header; attempts add `-span-<n>`. @default a random UUID */
  readonly requestId?: string | undefined;
}

const REQUEST_ID_UNSAFE = /[^A-Za-z0-9+/=._:-]/g;

/** Sends `body` to the jobs endpoint and returns the parsed 2xx JSON body. */
export function callJobsEndpoint(
  options: ResolvedClientOptions,
  tokenProvider: TokenProvider,
  redactor: Redactor,
  limiter: RateLimiter,
  body: { action: 'post' | 'get' } & Record<string, unknown>,
  call: CallOptions = {},
): Promise<unknown> {
  const tokenCount = Array.isArray(body.tokens) ? body.tokens.length : undefined;
  return callCube(
    options,
    tokenProvider,
    redactor,
    limiter,
    { action: body.action, method: 'POST', url: options.endpoint, body, tokenCount },
    call,
  );
}

/** One request to Cube's REST API: which action it is, where it goes and what it sends. */
export interface CubeRequest {
  readonly action: RequestSummary['action'];
  readonly method: 'GET' | 'POST';
  /** Full URL, without credentials. */
  readonly url: string;
  /** JSON body of a `POST`. */
  readonly body?: Record<string, unknown> | undefined;
  /** Tokens a `get` asks about, for the request's observers. */
  readonly tokenCount?: number | undefined;
}

/**
 * Sends one request to Cube's REST API (the jobs endpoint, `/v1/load`, `/v1/meta`) with the client's
 * authorization, timeout, rate limit, retries and typed errors, and returns the parsed 2xx JSON body.
 */
export async function callCube(
  options: ResolvedClientOptions,
  tokenProvider: TokenProvider,
  redactor: Redactor,
  limiter: RateLimiter,
  cubeRequest: CubeRequest,
  call: CallOptions = {},
): Promise<unknown> {
  const maxRetries = call.maxRetries ?? options.maxRetries;
  const timeoutMs = call.timeoutMs ?? options.timeoutMs;
  const baseId = (call.requestId ?? crypto.randomUUID()).replace(REQUEST_ID_UNSAFE, '_').slice(0, 200);
  const payload = cubeRequest.body === undefined ? undefined : JSON.stringify(cubeRequest.body);
  const { action, tokenCount } = cubeRequest;

  for (let attempt = 1; ; attempt += 1) {
    const request: RequestSummary = {
      action,
      url: cubeRequest.url,
      requestId: `${baseId}-span-${attempt}`,
      attempt,
    };
    let retryAfterMs: number | undefined;
    try {
      await limiter.acquire(call.signal);
    } catch (reason) {
      throw new CubeJobsAbortError(undefined, reason);
    }
    const startedAt = performance.now();
    try {
      const result = await withRequestSpan({ ...request, tokenCount }, (traceHeaders) =>
        attemptOnce(
          options,
          tokenProvider,
          redactor,
          cubeRequest.method,
          payload,
          request,
          timeoutMs,
          call.signal,
          traceHeaders,
        ),
      );
      report(options, request, startedAt, attemptOutcome(action, tokenCount, { value: result }));
      return result;
    } catch (error) {
      report(options, request, startedAt, attemptOutcome(action, tokenCount, { error }));
      if (error instanceof CubeJobsRateLimitError) {
        retryAfterMs = error.retryAfterMs;
        // Every request of this client waits with this one, retried or not.
        limiter.pause(retryAfterMs ?? retryDelayMs(attempt, options.retryBaseDelayMs, options.retryMaxDelayMs));
      }
      if (!(error instanceof CubeJobsError) || !error.retryable || attempt > maxRetries) throw redactor.error(error);
    }
    try {
      await abortableSleep(
        retryDelayMs(attempt, options.retryBaseDelayMs, options.retryMaxDelayMs, retryAfterMs),
        call.signal,
      );
    } catch (reason) {
      throw new CubeJobsAbortError(undefined, reason);
    }
  }
}

/** Tells the client's `onRequest` observer how an attempt ended; an observer's own error is ignored. */
function report(
  options: ResolvedClientOptions,
  request: RequestSummary,
  startedAt: number,
  outcome: AttemptOutcome,
): void {
  if (!options.onRequest) return;
  try {
    options.onRequest({
      action: request.action,
      attempt: request.attempt,
      requestId: request.requestId,
      durationMs: performance.now() - startedAt,
      ...outcome,
    });
  } catch {
    // An observer must not change what the call does.
  }
}

async function attemptOnce(
  options: ResolvedClientOptions,
  tokenProvider: TokenProvider,
  redactor: Redactor,
  method: CubeRequest['method'],
  payload: string | undefined,
  request: RequestSummary,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  traceHeaders: Record<string, string>,
): Promise<unknown> {
  if (callerSignal?.aborted) throw new CubeJobsAbortError(undefined, callerSignal.reason);
  const token = await tokenProvider();
  redactor.add(token);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal;
  const where = `${request.action} ${request.url} (request ${request.requestId})`;
  try {
    let response: Response;
    try {
      response = await options.fetch(request.url, {
        method,
        headers: {
          ...options.headers,
          ...traceHeaders,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          accept: 'application/json',
          authorization: options.authorizationScheme === 'bearer' ? `Bearer ${token}` : token,
          'x-request-id': request.requestId,
        },
        ...(payload === undefined ? {} : { body: payload }),
        signal,
      });
    } catch (cause) {
      throw transportError(cause, where, timeoutMs, callerSignal, timeout.signal);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      throw transportError(cause, where, timeoutMs, callerSignal, timeout.signal);
    }
    return interpretResponse(response, text, request, where);
  } finally {
    clearTimeout(timer);
  }
}

function transportError(
  cause: unknown,
  where: string,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  timeoutSignal: AbortSignal,
): CubeJobsError {
  if (callerSignal?.aborted) return new CubeJobsAbortError(undefined, callerSignal.reason);
  if (timeoutSignal.aborted) return new CubeJobsTimeoutError(`No answer from Cube within ${timeoutMs} ms: ${where}`);
  const detail = describeCause(cause);
  return new CubeJobsConnectionError(`Could not reach Cube (${detail}): ${where}`, cause);
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? cause.cause : undefined;
  const code = inner && 'code' in inner ? String(inner.code) : undefined;
  return [cause.message, code ?? inner?.message].filter(Boolean).join(': ');
}

function interpretResponse(response: Response, text: string, request: RequestSummary, where: string): unknown {
  let body: unknown = text;
  let isJson = false;
  try {
    body = text === '' ? undefined : JSON.parse(text);
    isJson = true;
  } catch {
    // keep the text
  }
  const cubeMessage = extractCubeMessage(body);
  if (response.ok) {
    if (!isJson)
      throw new CubeJobsProtocolError(
        `Cube answered ${response.status} with a body that is not JSON: ${where}`,
        truncate(text),
      );
    if (isContinueWait(cubeMessage)) {
      throw new CubeJobsContinueWaitError(
        `Cube asked to continue waiting (its planning queries are still running): ${where}`,
      );
    }
    return body;
  }
  const status = response.status;
  const details = { status, cubeMessage, body: typeof body === 'string' ? truncate(body) : body, request };
  const message = `Cube answered ${status}${cubeMessage === undefined ? '' : `: ${cubeMessage}`} (${where})`;
  if (status === 400)
    throw new CubeJobsBadRequestError(
      message,
      details,
      cubeMessage !== undefined && isTransientDatabaseError(cubeMessage),
    );
  if (status === 401 || status === 403) {
    if (cubeMessage !== undefined && isMissingScopeMessage(cubeMessage)) {
      throw new CubeJobsMissingScopeError(message, details, false);
    }
    throw new CubeJobsAuthError(message, details, false);
  }
  if (status === 429) {
    throw new CubeJobsRateLimitError(message, {
      ...details,
      retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after')),
    });
  }
  if (status >= 500) throw new CubeJobsServerError(message, details);
  throw new CubeJobsApiError(message, details, status === 408 || status === 409);
}

function extractCubeMessage(body: unknown): string | undefined {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'error' in body) {
    const error = body.error;
    return typeof error === 'string' ? error : JSON.stringify(error);
  }
  return undefined;
}

function truncate(text: string): string {
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

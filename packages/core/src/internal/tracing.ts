/**
 * Optional OpenTelemetry for Cube requests. When `@opentelemetry/api` is installed (an optional peer
 * dependency), every attempt runs in a client span (`cube-jobs post|get|load|meta`, with the action, token count,
 * attempt, request id and status code) and carries the active trace context as headers (W3C
 * `traceparent` with the usual propagator) next to `x-request-id`, so Cube's logs correlate with the
 * workflow. Without it, or without a registered tracer provider, nothing is recorded. Internal.
 */
import type * as OpenTelemetry from '@opentelemetry/api';
import { attemptOutcome } from './attempt-outcome.js';
import type { RequestSummary } from '../errors.js';

let api: Promise<typeof OpenTelemetry | undefined> | undefined;

/** `@opentelemetry/api`, loaded once, or undefined when it is not installed. */
function openTelemetry(): Promise<typeof OpenTelemetry | undefined> {
  api ??= import('@opentelemetry/api').then(
    (module) => module,
    () => undefined,
  );
  return api;
}

/** What a span says about one attempt. */
export interface RequestSpanFacts {
  readonly action: RequestSummary['action'];
  readonly url: string;
  readonly requestId: string;
  readonly attempt: number;
  /** Tokens asked for (`get`). */
  readonly tokenCount?: number | undefined;
}

/**
 * Runs one attempt in a client span and hands it the trace-context headers to send; records the
 * status code, the number of tokens a `post` returned, and a failure's type.
 */
export async function withRequestSpan<T>(
  facts: RequestSpanFacts,
  attempt: (headers: Record<string, string>) => Promise<T>,
): Promise<T> {
  const otel = await openTelemetry();
  if (!otel) return attempt({});
  const tracer = otel.trace.getTracer('@cube-jobs/core');
  return tracer.startActiveSpan(
    `cube-jobs ${facts.action}`,
    {
      kind: otel.SpanKind.CLIENT,
      attributes: {
        'cube_jobs.action': facts.action,
        'cube_jobs.attempt': facts.attempt,
        'cube_jobs.request_id': facts.requestId,
        'http.request.method': 'POST',
        'url.full': facts.url,
        ...(facts.tokenCount === undefined ? {} : { 'cube_jobs.token_count': facts.tokenCount }),
      },
    },
    async (span) => {
      const headers: Record<string, string> = {};
      otel.propagation.inject(otel.context.active(), headers);
      try {
        const result = await attempt(headers);
        const { statusCode, tokenCount } = attemptOutcome(facts.action, facts.tokenCount, { value: result });
        span.setAttribute('http.response.status_code', statusCode ?? 200);
        if (tokenCount !== undefined) span.setAttribute('cube_jobs.token_count', tokenCount);
        return result;
      } catch (error) {
        const { statusCode, result } = attemptOutcome(facts.action, facts.tokenCount, { error });
        if (statusCode !== undefined) span.setAttribute('http.response.status_code', statusCode);
        span.setAttribute('error.type', result);
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: result });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Runs `fn` outside any caller's trace: the shared status poller's requests serve many waits at once,
 * so each starts a trace of its own instead of joining whichever wait happened to schedule the tick.
 */
export async function outsideCallerTrace<T>(fn: () => Promise<T>): Promise<T> {
  const otel = await openTelemetry();
  return otel ? otel.context.with(otel.ROOT_CONTEXT, fn) : fn();
}

import { createCubeJobsClient, type AdvancedClientOptions, type CubeJobsClientOptions } from '../src/index.js';
import type { AdvancedClientOptions as Advanced } from '../src/options.js';

type FetchLike = NonNullable<Advanced['fetch']>;

/** One recorded call of the scripted fetch. */
export interface RecordedCall {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Step = (call: RecordedCall, signal: AbortSignal | undefined) => Promise<Response> | Response;

/** A fetch that answers from a script, one step per call, recording every call. */
export function scriptedFetch(...steps: Step[]): FetchLike & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    const call: RecordedCall = {
      url,
      headers: Object.fromEntries(Object.entries(init.headers as Record<string, string>)),
      body: JSON.parse(String(init.body)),
    };
    calls.push(call);
    const step = steps[Math.min(calls.length - 1, steps.length - 1)];
    if (!step) throw new Error('no scripted answer');
    return step(call, init.signal ?? undefined);
  };
  return Object.assign(fetch, { calls });
}

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A step that never answers until the request is aborted. */
export const hang: Step = (_call, signal) =>
  new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/** A minimal valid selector. */
export const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'] };

/** Backoff of a few milliseconds, so retries do not slow the tests down. */
export const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 5 } as const;

/** The options that sit at the top level; any other key given to {@link client} goes to `advanced`. */
const TOP_LEVEL = new Set([
  'apiUrl',
  'apiSecret',
  'token',
  'securityContext',
  'maxRequestsPerSecond',
  'timeoutMs',
  'honoursDateRange',
  'onRequest',
]);

/**
 * A client of a fake deployment over a scripted fetch, with fast retries and a 1 ms poller tick. `extra`
 * takes top-level and expert options alike, flat.
 */
export function client(
  fetch: ReturnType<typeof scriptedFetch>,
  extra: Omit<CubeJobsClientOptions, 'apiUrl' | 'advanced'> & AdvancedClientOptions = {},
) {
  const entries = Object.entries(extra);
  return createCubeJobsClient({
    apiUrl: 'http://cube.test/cubejs-api',
    token: 'static-token-value',
    ...Object.fromEntries(entries.filter(([key]) => TOP_LEVEL.has(key))),
    advanced: { fetch, pollTickMs: 1, ...fast, ...Object.fromEntries(entries.filter(([key]) => !TOP_LEVEL.has(key))) },
  });
}

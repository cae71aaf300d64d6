/**
 * Retry policy helpers: Retry-After parsing, backoff delays, an abortable sleep. Internal.
 */

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds; `undefined` when absent or invalid. */
export function parseRetryAfterMs(header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Delay before retry number `retry` (1-based): the server's `Retry-After` when given, else exponential
 * backoff from `baseMs` with 25 % jitter; both capped at `maxMs`.
 */
export function retryDelayMs(retry: number, baseMs: number, maxMs: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, maxMs);
  const exponential = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return Math.round(exponential * (1 - Math.random() * 0.25));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

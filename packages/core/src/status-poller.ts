/**
 * The shared status poller: every wait of one client reads its statuses through it, and the reads that
 * fall in the same tick share one `get` (split into requests of at most `maxTokensPerRequest` tokens).
 * Each wait gets only its own statuses, so a thousand waits cost Cube a few requests per tick instead
 * of a thousand. Each tick's request is one attempt, never retried here: a read whose request failed
 * rejects with the request's error, and the wait that asked reads again at its next poll (the one
 * retry layer for status reads). A 429 also pauses every request of the client for its `Retry-After`.
 *
 * @module
 */
import { CubeJobsAbortError, CubeJobsRateLimitError } from './errors.js';
import type { JobStatus } from './job.js';

/** How the poller batches reads. */
export interface StatusPollerOptions {
  /** Reads that arrive within one tick share a request; a read waits at most this long. @default 1000 */
  readonly tickMs?: number | undefined;
  /** Most tokens in one `get` request. @default 10000 */
  readonly maxTokensPerRequest?: number | undefined;
}

/** The poller's defaults. */
export const DEFAULT_STATUS_POLLER = {
  tickMs: 1000,
  maxTokensPerRequest: 10_000,
} as const satisfies Required<StatusPollerOptions>;

/** What the poller has done so far, for tests, metrics and sizing. */
export interface StatusPollerStats {
  /** Reads waiting for the next tick or for an answer. */
  readonly waiting: number;
  /** Reads answered (or failed) so far. */
  readonly reads: number;
  /** Ticks that sent requests. */
  readonly ticks: number;
  /** `get` requests sent. */
  readonly requests: number;
  /** Times Cube answered 429 and every read paused. */
  readonly rateLimitPauses: number;
}

/** Reads statuses for many waits with few requests. */
export interface StatusPoller {
  /**
   * Reads the statuses of `tokens` in the next tick's shared request, in the order given (unknown tokens
   * read `not_found`). Rejects with the request's error when it failed (a 429 too, after pausing the
   * client's requests), or with {@link CubeJobsAbortError} as soon as `signal` aborts.
   */
  read(tokens: readonly string[], signal?: AbortSignal): Promise<JobStatus[]>;
  /** What the poller has done so far. */
  stats(): StatusPollerStats;
}

/** Sends one `get` for some tokens and returns one status per token, in order. */
export type StatusRequest = (tokens: string[]) => Promise<JobStatus[]>;

/** What the poller needs from its client. */
export interface StatusPollerDependencies {
  /** One `get` request, one attempt (the waits retry, at their next poll). */
  readonly request: StatusRequest;
  /** Until when the client's requests are paused after a 429 (epoch ms). */
  readonly pausedUntilMs: () => number;
  /** Pauses the client's requests (a 429 without `Retry-After` pauses for a tick). */
  readonly pause: (ms: number) => void;
}

interface PendingRead {
  readonly tokens: readonly string[];
  readonly resolve: (statuses: JobStatus[]) => void;
  readonly reject: (error: unknown) => void;
  /** Removes the abort listener. */
  readonly release: () => void;
  settled: boolean;
}

/** Creates a poller over a client's `get` requests. */
export function createStatusPoller(
  dependencies: StatusPollerDependencies,
  options: StatusPollerOptions = {},
): StatusPoller {
  const tickMs = options.tickMs ?? DEFAULT_STATUS_POLLER.tickMs;
  const maxTokens = options.maxTokensPerRequest ?? DEFAULT_STATUS_POLLER.maxTokensPerRequest;
  let next: PendingRead[] = [];
  let inFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const counts = { reads: 0, ticks: 0, requests: 0, rateLimitPauses: 0 };

  const settle = (read: PendingRead, outcome: { statuses: JobStatus[] } | { error: unknown }) => {
    if (read.settled) return;
    read.settled = true;
    read.release();
    counts.reads += 1;
    if ('statuses' in outcome) read.resolve(outcome.statuses);
    else read.reject(outcome.error);
  };

  const schedule = () => {
    if (timer !== undefined || next.length === 0) return;
    const pausedMs = Math.max(0, dependencies.pausedUntilMs() - Date.now());
    timer = setTimeout(
      () => {
        timer = undefined;
        void flush();
      },
      Math.max(tickMs, pausedMs),
    );
  };

  /** Sends the reads collected in this tick, one request per chunk of tokens. */
  const flush = async () => {
    const reads = next.filter((read) => !read.settled);
    next = [];
    if (reads.length === 0) return;
    counts.ticks += 1;
    inFlight += reads.length;
    const tokens = [...new Set(reads.flatMap((read) => read.tokens))];
    const statuses = new Map<string, JobStatus>();
    const failed = new Map<string, unknown>();
    let throttled = false;
    for (let start = 0; start < tokens.length; start += maxTokens) {
      const chunk = tokens.slice(start, start + maxTokens);
      try {
        counts.requests += 1;
        for (const status of await dependencies.request(chunk)) statuses.set(status.token, status);
      } catch (error) {
        if (error instanceof CubeJobsRateLimitError) {
          throttled = true;
          dependencies.pause(error.retryAfterMs ?? tickMs);
        }
        for (const token of chunk) failed.set(token, error);
      }
    }
    inFlight -= reads.length;
    if (throttled) counts.rateLimitPauses += 1;
    for (const read of reads) {
      const error = read.tokens.map((token) => failed.get(token)).find((e) => e !== undefined);
      if (error !== undefined) {
        settle(read, { error });
      } else {
        settle(read, {
          statuses: read.tokens.map((token) => statuses.get(token) ?? { token, raw: 'not_found', state: 'not_found' }),
        });
      }
    }
    schedule();
  };

  return {
    read(tokens, signal) {
      return new Promise<JobStatus[]>((resolve, reject) => {
        if (signal?.aborted) {
          reject(new CubeJobsAbortError('Reading job statuses was aborted', signal.reason));
          return;
        }
        if (tokens.length === 0) {
          resolve([]);
          return;
        }
        const onAbort = () => {
          settle(read, { error: new CubeJobsAbortError('Reading job statuses was aborted', signal?.reason) });
          next = next.filter((pending) => pending !== read);
        };
        const read: PendingRead = {
          tokens: [...tokens],
          resolve,
          reject,
          release: () => signal?.removeEventListener('abort', onAbort),
          settled: false,
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        next.push(read);
        schedule();
      });
    },
    stats: () => ({ waiting: next.length + inFlight, ...counts }),
  };
}

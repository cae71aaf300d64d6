/**
 * The fake Cube's rate limit, as Cube Cloud enforces one per deployment (100 requests/s, bursts to
 * 1,000, 429 with `Retry-After` above that), and per-second request counts for assertions.
 *
 * @module
 */
import type { FakeClock } from './clock.js';
import type { FakeCubeOptions } from './fake-cube.js';

/** A rate limit on the jobs endpoint (`FakeCubeOptions.rateLimit`). */
export type FakeRateLimit = NonNullable<FakeCubeOptions['rateLimit']>;

/** A token bucket driven by the fake's clock. */
export class FakeRateLimiter {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    private readonly limit: FakeRateLimit,
    private readonly clock: FakeClock,
  ) {
    this.tokens = limit.burst ?? limit.requestsPerSecond;
    this.refilledAtMs = clock.now();
  }

  /** Takes a token for a request; false when the request must be refused with 429. */
  admit(): boolean {
    const now = this.clock.now();
    const burst = this.limit.burst ?? this.limit.requestsPerSecond;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAtMs) / 1000) * this.limit.requestsPerSecond);
    this.refilledAtMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The `Retry-After` header of a refusal. */
  get retryAfter(): string {
    return String(this.limit.retryAfterSeconds ?? 1);
  }
}

/** The most requests that arrived within any one second (a sliding window over their times). */
export function peakPerSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while ((sorted[last] as number) - (sorted[first] as number) >= 1000) first += 1;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}

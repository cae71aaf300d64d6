/**
 * A token bucket over every request of one client, with a shared pause: when Cube (or a proxy) answers
 * 429 with `Retry-After`, every request of the client waits until then, together. Internal.
 */
import { abortableSleep } from './retry.js';

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests per second in the long run; `Infinity` for no limit. */
  readonly maxRequestsPerSecond: number;
  /** Requests that may go at once after a quiet spell (the bucket's size). */
  readonly burst: number;
  /** Clock, for tests. */
  readonly nowMs?: (() => number) | undefined;
}

/** Hands out permission to send a request, at most `maxRequestsPerSecond` on average. */
export class RateLimiter {
  private tokens: number;
  private refilledAtMs: number;
  private pausedUntilMs = 0;
  /** Callers waiting for a token, first come first served. */
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    this.now = options.nowMs ?? Date.now;
    this.tokens = options.burst;
    this.refilledAtMs = this.now();
  }

  /** Whether the limiter limits anything. */
  get limited(): boolean {
    return Number.isFinite(this.options.maxRequestsPerSecond);
  }

  /** Until when every request waits after a 429 (epoch ms; in the past when not paused). */
  get pausedUntil(): number {
    return this.pausedUntilMs;
  }

  /** Makes every request wait `ms` from now (a 429's `Retry-After`); a longer pause already set stays. */
  pause(ms: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, this.now() + ms);
  }

  /** Resolves when a request may be sent; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.take(signal));
    // The next caller waits for this one's turn, whether it got its token or gave up.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async take(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      if (now < this.pausedUntilMs) {
        await abortableSleep(this.pausedUntilMs - now, signal);
        continue;
      }
      if (!this.limited) return;
      this.refill(now);
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await abortableSleep(Math.ceil(((1 - this.tokens) * 1000) / this.options.maxRequestsPerSecond), signal);
    }
  }

  private refill(now: number): void {
    const earned = ((now - this.refilledAtMs) / 1000) * this.options.maxRequestsPerSecond;
    this.tokens = Math.min(this.options.burst, this.tokens + earned);
    this.refilledAtMs = now;
  }
}

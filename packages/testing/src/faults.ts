/**
 * Fault injection for the fake Cube: latency, HTTP errors, 429 with `Retry-After`, connection
 * resets, hanging responses and `Continue wait` answers, each scoped by action and limited by a
 * count or a probability (drawn from a seeded generator, so runs repeat).
 *
 * @module
 */

/**
 * A fault and when it applies. What it does (`kind`): `latency` adds `ms` before the answer; `http-error`
 * answers `status` (with `body`); `rate-limit` answers 429 with `Retry-After`; `reset` drops the
 * connection; `hang` never answers; `continue-wait` answers Cube's `{ "error": "Continue wait" }`.
 */
export type FaultRule = (
  | { readonly kind: 'latency'; readonly ms: number }
  | { readonly kind: 'http-error'; readonly status: number; readonly body?: unknown }
  | { readonly kind: 'rate-limit'; readonly retryAfterSeconds?: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'continue-wait' }
) & {
  /** Only requests of this action. @default both */
  readonly action?: 'post' | 'get';
  /** Apply to this many matching requests, then stop. @default unlimited */
  readonly times?: number;
  /** Apply to each matching request with this probability (0..1). @default 1 */
  readonly probability?: number;
};

/** A small seeded PRNG (mulberry32), so probabilistic faults repeat from run to run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Holds the active rules and decides which apply to a request. */
export class FaultInjector {
  #rules: Array<{ rule: FaultRule; used: number }> = [];
  readonly #random: () => number;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  /** Replaces the active rules. */
  set(rules: readonly FaultRule[]): void {
    this.#rules = rules.map((rule) => ({ rule, used: 0 }));
  }

  /** Adds rules after the active ones. */
  add(...rules: FaultRule[]): void {
    this.#rules.push(...rules.map((rule) => ({ rule, used: 0 })));
  }

  /**
   * The effects for one request: every matching latency, plus the first matching terminal effect
   * (error, reset, hang, continue-wait), in rule order.
   */
  draw(action: 'post' | 'get' | undefined): FaultRule[] {
    const effects: FaultRule[] = [];
    let terminal = false;
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (rule.action !== undefined && rule.action !== action) continue;
      if (rule.times !== undefined && entry.used >= rule.times) continue;
      if (rule.kind !== 'latency' && terminal) continue;
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue;
      entry.used += 1;
      effects.push(rule);
      if (rule.kind !== 'latency') terminal = true;
    }
    return effects;
  }
}

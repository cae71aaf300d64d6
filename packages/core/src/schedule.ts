/**
 * The polling schedule of the wait loop (`pollJobs`, which the Temporal wait activity runs). Pure module.
 *
 * @module
 */

/**
 * How often to poll. The interval after each poll is
 * `min(max, max(initial, min(previous × backoff, latencyFraction × elapsed)))`: polls start fast, and
 * the delay between a job finishing and the next poll stays within `pollLatencyFraction` of the time
 * the build has taken so far (5 %: a 2-minute build is noticed within 6 s, a 30-minute one within
 * the 30 s cap). Cube answers status polls from memory, so the cost of the extra early polls is small;
 * raise the fraction to poll less.
 */
export interface PollScheduleOptions {
  /** Delay before the first poll, and the shortest interval. @default 1000 */
  readonly initialPollIntervalMs?: number | undefined;
  /** Longest interval between polls. @default 30000 */
  readonly maxPollIntervalMs?: number | undefined;
  /** Most the interval may grow from one poll to the next. @default 1.5 */
  readonly pollBackoffFactor?: number | undefined;
  /** Largest interval as a fraction of the time waited so far. @default 0.05 */
  readonly pollLatencyFraction?: number | undefined;
}

/** The schedule's defaults, shared by core's wait loop and the workflow's `wait` options. */
export const DEFAULT_POLL_SCHEDULE = {
  initialPollIntervalMs: 1000,
  maxPollIntervalMs: 30_000,
  pollBackoffFactor: 1.5,
  pollLatencyFraction: 0.05,
} as const satisfies Required<PollScheduleOptions>;

/** The interval after `intervalMs`, `elapsedMs` into a wait, under a schedule (see {@link PollScheduleOptions}). */
export function nextPollIntervalMs(intervalMs: number, elapsedMs: number, schedule: PollScheduleOptions = {}): number {
  const initial = schedule.initialPollIntervalMs ?? DEFAULT_POLL_SCHEDULE.initialPollIntervalMs;
  // An initial interval above the maximum raises the maximum: intervals never shrink below the first.
  const max = Math.max(initial, schedule.maxPollIntervalMs ?? DEFAULT_POLL_SCHEDULE.maxPollIntervalMs);
  const grown = intervalMs * (schedule.pollBackoffFactor ?? DEFAULT_POLL_SCHEDULE.pollBackoffFactor);
  const proportional = (schedule.pollLatencyFraction ?? DEFAULT_POLL_SCHEDULE.pollLatencyFraction) * elapsedMs;
  return Math.round(Math.min(max, Math.max(initial, Math.min(grown, proportional))));
}

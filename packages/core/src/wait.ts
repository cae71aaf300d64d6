/**
 * The polling loop behind {@link CubeJobsClient.waitForJobs}, usable with any status source (the
 * Temporal activity reuses it with heartbeats). It polls only unfinished tokens, on an interval that
 * starts short and grows to a cap, honours a deadline and an `AbortSignal`, and can resume from a
 * saved {@link WaitState}.
 *
 * @module
 */
import { CubeJobsAbortError, CubeJobsError } from './errors.js';
import { abortableSleep } from './internal/retry.js';
import type { JobSelector, JobStatus } from './job.js';
import { DEFAULT_FAIL_FAST, resolveJobsPolicy, type JobsPolicy } from './policy.js';
import { DEFAULT_POLL_SCHEDULE, nextPollIntervalMs, type PollScheduleOptions } from './schedule.js';
import { isAmbiguousState, isSettledJob, summarizeJobs, type JobsSummary } from './status.js';

/** Reads the statuses of some tokens (one entry per token). */
export type JobStatusSource = (tokens: string[], signal: AbortSignal | undefined) => Promise<JobStatus[]>;

/** Where a wait stands; save it (e.g. in a heartbeat) to resume later without losing the grace timers. */
export interface WaitState {
  /** When the wait began (epoch ms). */
  readonly startedAtMs: number;
  /** Polls made so far. */
  readonly polls: number;
  /** When each token was first seen `missing_partition`/`not_found` (epoch ms). */
  readonly ambiguousSinceMs: Readonly<Record<string, number>>;
}

/** Reported after every poll. */
export interface WaitProgress {
  /** Latest status of every job, in token order. */
  readonly jobs: readonly JobStatus[];
  /** What the statuses mean under the policy. */
  readonly summary: JobsSummary;
  /** Milliseconds since the wait began. */
  readonly elapsedMs: number;
  /** Resumable state. */
  readonly state: WaitState;
}

/** What every wait takes: the jobs, how to judge them, and when to stop. */
export interface WaitOptions {
  /** Tokens to wait for. */
  readonly tokens: readonly string[];
  /** How to treat `missing_partition` and `not_found`. @default `retrigger` both, after a 10 s confirm period */
  readonly policy?: Partial<JobsPolicy> | undefined;
  /** Stop waiting this long after the wait began (counted from `resumeFrom.startedAtMs` when resuming). @default none */
  readonly deadlineMs?: number | undefined;
  /** Stop at the first failed job instead of letting the others finish first. @default {@link DEFAULT_FAIL_FAST} (false) */
  readonly failFast?: boolean | undefined;
  /** Aborts the wait; the promise rejects with {@link CubeJobsAbortError}. */
  readonly signal?: AbortSignal | undefined;
  /** Called after every poll with the jobs' statuses so far. */
  readonly onProgress?: ((progress: WaitProgress) => void | Promise<void>) | undefined;
}

/** Options of {@link pollJobs}: a wait's, its schedule, and what the Temporal activity adds. */
export interface PollJobsOptions extends WaitOptions, PollScheduleOptions {
  /** State saved from an earlier wait on the same tokens. */
  readonly resumeFrom?: WaitState | undefined;
  /**
   * Polls in a row that may fail with a retryable error (Cube restarting, a 503, a reset) before the
   * wait gives up and rethrows; the next poll is made at the usual interval. @default 5
   */
  readonly maxConsecutivePollFailures?: number | undefined;
  /** Called when a poll failed and will be tried again. */
  readonly onPollError?: ((error: CubeJobsError, consecutiveFailures: number) => void) | undefined;
  /** Clock, for tests. @default Date.now */
  readonly nowMs?: (() => number) | undefined;
}

/** How a wait ended. */
export type WaitOutcome = 'succeeded' | 'failed' | 'retrigger' | 'deadline_exceeded';

/** The result of {@link pollJobs}. */
export interface WaitResult {
  /** How the wait ended. */
  readonly outcome: WaitOutcome;
  /** Final (or latest) status of every job, in token order. */
  readonly jobs: readonly JobStatus[];
  /** The summary at the end. */
  readonly summary: JobsSummary;
  /** Polls made, including those before a resume. */
  readonly polls: number;
  /** Milliseconds since the wait began. */
  readonly elapsedMs: number;
  /** When each still-ambiguous token was first seen so (epoch ms), for callers that summarise again. */
  readonly ambiguousSinceMs: Readonly<Record<string, number>>;
}

/** `now`, or `before` when `now` is missing or equal to it (the instance held already, not a copy). */
function kept<T>(now: T | undefined, before: T | undefined): T | undefined {
  return now === undefined || now === before ? before : now;
}

/**
 * Polls `source` until every job is settled (or, with `failFast`, one failed), the deadline passes, or
 * `signal` aborts. Settled jobs are not polled again.
 */
export async function pollJobs(source: JobStatusSource, options: PollJobsOptions): Promise<WaitResult> {
  const now = options.nowMs ?? Date.now;
  const tokens = [...options.tokens];
  const latest = new Map<string, JobStatus>();
  const policy = resolveJobsPolicy(options.policy);
  const startedAtMs = options.resumeFrom?.startedAtMs ?? now();
  const ambiguousSinceMs: Record<string, number> = { ...options.resumeFrom?.ambiguousSinceMs };
  let polls = options.resumeFrom?.polls ?? 0;
  let intervalMs = options.initialPollIntervalMs ?? DEFAULT_POLL_SCHEDULE.initialPollIntervalMs;
  const failFast = options.failFast ?? DEFAULT_FAIL_FAST;
  const maxConsecutiveFailures = options.maxConsecutivePollFailures ?? 5;
  let consecutiveFailures = 0;
  let lastPollAtMs = startedAtMs;

  const snapshot = (): { jobs: JobStatus[]; summary: JobsSummary } => {
    const jobs = tokens.map((token) => latest.get(token) ?? { token, raw: 'scheduled', state: 'scheduled' as const });
    return { jobs, summary: summarizeJobs(jobs, { policy, ambiguousSinceMs, nowMs: lastPollAtMs }) };
  };
  // One object per distinct selector: a build's jobs mostly share theirs, and a worker may wait on thousands.
  const selectors = new Map<string, JobSelector>();
  const shared = (selector: JobSelector | undefined): JobSelector | undefined => {
    if (selector === undefined) return undefined;
    const key = JSON.stringify(selector);
    const known = selectors.get(key);
    if (known !== undefined) return known;
    selectors.set(key, selector);
    return selector;
  };
  /**
   * Reads and keeps the statuses of `unsettled` (Cube forgets a job's table and selector once its token
   * is `not_found`: what it said before is kept). A function of its own, so the answer is not held
   * while the loop sleeps.
   */
  const poll = async (unsettled: string[]): Promise<void> => {
    const statuses = await source(unsettled, options.signal);
    polls += 1;
    const at = now();
    lastPollAtMs = at;
    statuses.forEach((job, i) => {
      // The strings the wait already holds, where they are the same: a worker keeps these for every job it waits on.
      const token = unsettled[i] === job.token ? unsettled[i] : job.token;
      const previous = latest.get(token);
      latest.set(token, {
        ...job,
        token,
        table: kept(job.table, previous?.table),
        partitionStart: kept(job.partitionStart, previous?.partitionStart),
        selector: shared(job.selector) ?? previous?.selector,
      });
      if (isAmbiguousState(job.state)) ambiguousSinceMs[token] ??= at;
      else delete ambiguousSinceMs[token];
    });
  };
  const finish = (outcome: WaitOutcome): WaitResult => ({
    outcome,
    ...snapshot(),
    polls,
    elapsedMs: now() - startedAtMs,
    ambiguousSinceMs: { ...ambiguousSinceMs },
  });

  // A fresh wait delays its first poll (builds never finish instantly); a resumed wait polls at once.
  let delayMs = options.resumeFrom ? 0 : intervalMs;
  for (;;) {
    const remainingMs = options.deadlineMs === undefined ? Infinity : options.deadlineMs - (now() - startedAtMs);
    if (remainingMs <= 0) return finish('deadline_exceeded');
    try {
      await abortableSleep(Math.min(delayMs, remainingMs), options.signal);
    } catch (reason) {
      throw new CubeJobsAbortError('Waiting for pre-aggregation jobs was aborted', reason);
    }

    // Judged as of the last poll: an ambiguous job is only confirmed by a poll that still sees it so.
    const unsettled = tokens.filter((token) => {
      const job = latest.get(token);
      return job === undefined || !isSettledJob(job, policy, ambiguousSinceMs[token], lastPollAtMs);
    });
    try {
      await poll(unsettled);
      consecutiveFailures = 0;
    } catch (error) {
      consecutiveFailures += 1;
      const tolerated =
        error instanceof CubeJobsError && error.retryable && consecutiveFailures <= maxConsecutiveFailures;
      if (!tolerated || options.signal?.aborted) throw error;
      options.onPollError?.(error, consecutiveFailures);
      delayMs = intervalMs;
      continue;
    }
    const at = lastPollAtMs;
    const { jobs, summary } = snapshot();
    await options.onProgress?.({
      jobs,
      summary,
      elapsedMs: at - startedAtMs,
      state: { startedAtMs, polls, ambiguousSinceMs: { ...ambiguousSinceMs } },
    });

    if (summary.outcome === 'succeeded') return finish('succeeded');
    if (summary.outcome === 'failed' && (failFast || summary.pending.length === 0)) return finish('failed');
    if (summary.outcome === 'retrigger') return finish('retrigger');
    intervalMs = nextPollIntervalMs(intervalMs, at - startedAtMs, options);
    delayMs = intervalMs;
  }
}

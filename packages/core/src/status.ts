/**
 * Job statuses: parsing Cube's status strings into a discriminated union, and deciding what a set of
 * statuses means for the build as a whole ({@link summarizeJobs}).
 *
 * Pure module: no Node imports, safe inside the Temporal workflow sandbox.
 *
 * @module
 */
import { failureMessageOf, JOB_STATES, type JobState, type JobStatus } from './job.js';
import { resolveAmbiguousJob, resolveJobsPolicy, type JobsPolicy } from './policy.js';
import type { JobStatusItem } from './schemas.js';
import { isSameSecondCollision, SAME_SECOND_BACKOFF_MS } from './cube-quirks/same-second-collision.js';

/** The status strings Cube sends as they are. */
const EXACT_STATES: ReadonlyMap<string, Exclude<JobState, 'failure' | 'unknown'>> = new Map(
  (['done', 'scheduled', 'processing', 'missing_partition', 'pre_agg_not_found', 'not_found'] as const).map((state) => [
    state,
    state,
  ]),
);

/**
 * Classifies Cube's status string by prefix, as Cube's gateway produces it: `failure: <message>`
 * carries the build error; anything unrecognised (e.g. `orphaned`, or a future status) becomes
 * `unknown` with the raw string kept, and is treated as still in progress.
 */
export function parseJobStatus(item: JobStatusItem): JobStatus {
  const { token, status, table, selector } = item;
  const partitionStart = partitionStartOf(table);
  if (status.startsWith('failure')) {
    return { token, raw: status, table, partitionStart, selector, state: 'failure', message: failureMessageOf(status) };
  }
  // One lookup and one object per job: a `get` can carry thousands of them.
  const state = EXACT_STATES.get(status) ?? (status.startsWith('done') ? 'done' : 'unknown');
  return { token, raw: status, table, partitionStart, selector, state };
}

/** What a set of job statuses means for the build. */
export type JobsOutcome = 'running' | 'succeeded' | 'failed' | 'retrigger';

/** The result of {@link summarizeJobs}. */
export interface JobsSummary {
  /**
   * `succeeded`: every job is `done`. `failed`: at least one job failed (others may still run; see
   * `pending`). `retrigger`: no failure, nothing pending, and some jobs must be triggered again.
   * `running`: jobs are still in progress.
   */
  readonly outcome: JobsOutcome;
  /** How many jobs are in each state. */
  readonly counts: Readonly<Record<JobState, number>>;
  /** Number of jobs. */
  readonly total: number;
  /** Every failed job (including ambiguous ones the policy fails). */
  readonly failed: readonly JobStatus[];
  /**
   * Jobs to trigger again: ambiguous ones the policy retriggers, and failed ones that collided with a
   * same-second build of their partition (a Cube quirk: see `cube-quirks/same-second-collision.ts`).
   */
  readonly retrigger: readonly JobStatus[];
  /**
   * How long to wait before triggering {@link retrigger} again: long enough for a same-second collision's
   * clock to move on when there is one, else 0.
   */
  readonly retriggerAfterMs: number;
  /** Jobs still in progress (including ambiguous ones within their confirmation or grace period). */
  readonly pending: readonly JobStatus[];
}

/** Extra facts {@link summarizeJobs} needs for the ambiguous states' timings. */
export interface SummarizeJobsOptions {
  /** The policy; fields left out take {@link DEFAULT_JOBS_POLICY}'s values. */
  readonly policy?: Partial<JobsPolicy> | undefined;
  /** When each token was first seen in an ambiguous state (epoch ms). */
  readonly ambiguousSinceMs?: Readonly<Record<string, number>> | undefined;
  /** The current time (epoch ms). */
  readonly nowMs?: number | undefined;
}

/** True when `state` is final whatever the policy: `done`, `failure`, `pre_agg_not_found`. */
export function isFinalState(state: JobState): boolean {
  return state === 'done' || state === 'failure' || state === 'pre_agg_not_found';
}

/** True while a job is in progress: `scheduled`, `processing`, or an `unknown` (e.g. `orphaned`) queue state. */
export function isInFlightState(state: JobState): state is 'scheduled' | 'processing' | 'unknown' {
  return state === 'scheduled' || state === 'processing' || state === 'unknown';
}

/** True for `missing_partition` and `not_found`, whose handling depends on the policy. */
export function isAmbiguousState(state: JobState): state is 'missing_partition' | 'not_found' {
  return state === 'missing_partition' || state === 'not_found';
}

/** Counts jobs per state. */
export function countJobStates(jobs: readonly JobStatus[]): Record<JobState, number> {
  const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
  for (const job of jobs) counts[job.state] += 1;
  return counts;
}

/**
 * Whether a job needs no more polls, judged as of `asOfMs` (the time of the poll that last saw it):
 * final, or ambiguous with a `retrigger`/`fail` action that is confirmed. A job the `wait` action
 * covers is polled on, as it may still turn up `done` after its grace period.
 */
export function isSettledJob(
  job: Pick<JobStatus, 'state'>,
  policy: JobsPolicy,
  sinceMs: number | undefined,
  asOfMs: number,
): boolean {
  if (isFinalState(job.state)) return true;
  if (!isAmbiguousState(job.state)) return false;
  if ((job.state === 'missing_partition' ? policy.onMissingPartition : policy.onNotFound) === 'wait') return false;
  return resolveAmbiguousJob(job.state, policy, sinceMs, asOfMs) !== 'pending';
}

/**
 * Decides what a set of statuses means for the build, following the rules of Cube's own build
 * operator (all `done` → success, any `failure` → failure) and an explicit policy for the ambiguous
 * `missing_partition` / `not_found` states instead of polling them forever.
 */
export function summarizeJobs(jobs: readonly JobStatus[], options: SummarizeJobsOptions = {}): JobsSummary {
  const policy = resolveJobsPolicy(options.policy);
  const nowMs = options.nowMs ?? Date.now();
  const failed: JobStatus[] = [];
  const retrigger: JobStatus[] = [];
  const pending: JobStatus[] = [];
  let collided = false;
  for (const job of jobs) {
    if (job.state === 'done') continue;
    if (job.state === 'failure' && isSameSecondCollision(job.raw)) {
      retrigger.push(job);
      collided = true;
    } else if (job.state === 'failure' || job.state === 'pre_agg_not_found') {
      failed.push(job);
    } else if (isAmbiguousState(job.state)) {
      const decision = resolveAmbiguousJob(job.state, policy, options.ambiguousSinceMs?.[job.token], nowMs);
      (decision === 'fail' ? failed : decision === 'retrigger' ? retrigger : pending).push(job);
    } else {
      pending.push(job);
    }
  }
  const outcome: JobsOutcome =
    failed.length > 0 ? 'failed' : pending.length > 0 ? 'running' : retrigger.length > 0 ? 'retrigger' : 'succeeded';
  const retriggerAfterMs = collided ? SAME_SECOND_BACKOFF_MS : 0;
  return { outcome, counts: countJobStates(jobs), total: jobs.length, failed, retrigger, pending, retriggerAfterMs };
}

const PARTITION_SUFFIX = /(\d{4}|\d{6}|\d{8}|\d{10})_[a-z0-9]+_[a-z0-9]+_[a-z0-9]+$/;

/**
 * Best-effort start of the partition a job builds, read from the digits Cube appends to a partitioned
 * table's logical name (`orders_by_month20240201_<content>_<structure>_<time>` → `2024-02-01T00:00:00.000`).
 * Returns `undefined` for non-partitioned tables or any name that does not fit; callers must then fall
 * back to a wider selector. A `dateRange` of `[start, start]` selects exactly that partition, since Cube's
 * intersection test is inclusive.
 */
export function partitionStartOf(table: string | undefined): string | undefined {
  const digits = table === undefined ? undefined : PARTITION_SUFFIX.exec(table)?.[1];
  if (digits === undefined) return undefined;
  const year = digits.slice(0, 4);
  const month = digits.slice(4, 6) || '01';
  const day = digits.slice(6, 8) || '01';
  const hour = digits.slice(8, 10) || '00';
  const parsed = new Date(`${year}-${month}-${day}T${hour}:00:00.000Z`);
  if (Number.isNaN(parsed.getTime())) return undefined;
  // The date's own string, not the pieces joined: a worker keeps one per job it waits on.
  const iso = parsed.toISOString().slice(0, 23);
  return iso === `${year}-${month}-${day}T${hour}:00:00.000` ? iso : undefined;
}

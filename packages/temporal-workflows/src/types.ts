/**
 * Inputs, results and progress of `buildPreAggregations`. Workflow-safe (types and constants only).
 *
 * @module
 */
import type { JobsPolicy, JobState, PreAggregationSelector } from '@cube-jobs/core/protocol';
import type { JobRecord } from '@cube-jobs/temporal-activities';
import type { Duration } from '@temporalio/common';

/** The task queue our helpers (schedules, backfills, `requestRefresh`), the CLI and the demo use unless told otherwise. */
export const CUBE_JOBS_TASK_QUEUE = 'cube-jobs';

/** How the build waits for its jobs: one activity that polls Cube and heartbeats, however long the build takes. */
export interface BuildWaitOptions {
  /** First poll delay and shortest interval between polls. @default '1s' */
  readonly pollInterval?: Duration;
  /** Longest interval between polls (intervals grow with the time waited, noticing completion within 5 % of it). @default '30s' */
  readonly maxPollInterval?: Duration;
  /** Give up when the jobs are not settled this long after the workflow started. @default none (Cube forgets jobs after 24 h) */
  readonly deadline?: Duration;
  /**
   * How soon a crashed worker's wait is taken over by another worker (the waiting activity's heartbeat
   * timeout). The wait heartbeats at 0.8 × it: each heartbeat is a server write and, on Temporal Cloud,
   * a billed action (about 15 an hour at the default). @default '5m'
   */
  readonly heartbeatTimeout?: Duration;
}

/** What to do when jobs do not succeed. */
export interface BuildPolicy {
  /** `missing_partition` (Cube no longer knows the outcome). @default 'retrigger' */
  readonly onMissingPartition?: JobsPolicy['onMissingPartition'];
  /** `not_found` (Cube restarted with its memory driver, or the token expired). @default 'retrigger' */
  readonly onNotFound?: JobsPolicy['onNotFound'];
  /** With `wait`: how long a job may stay ambiguous before it counts as failed. @default '60s' */
  readonly ambiguousGrace?: Duration;
  /**
   * With `retrigger` or `fail`: how long a job must stay ambiguous (seen so again by a later poll)
   * before the action applies. Cube reports `missing_partition` for a while when its queue merged the
   * build into an identical one still queued; acting at once would post a duplicate build. @default '10s'
   */
  readonly ambiguousConfirm?: Duration;
  /** `failure: …` statuses: fail the workflow, or trigger the failed jobs again. @default 'fail' */
  readonly onFailure?: 'fail' | 'retrigger';
  /** How many times one job may be triggered again (its `attempt` is at most `maxRetriggers + 1`). @default 3 */
  readonly maxRetriggers?: number;
  /** Fail at the first failed job instead of letting the others finish first. @default false */
  readonly failFast?: boolean;
}

/** Input of `buildPreAggregations`. */
export interface BuildPreAggregationsInput {
  /** What to build (recorded in history: put no secrets in security contexts). */
  readonly selector: PreAggregationSelector;
  /** How to wait. */
  readonly wait?: BuildWaitOptions;
  /** What to do when jobs do not succeed. */
  readonly policy?: BuildPolicy;
  /**
   * Prove `done` before trusting it: once every job is `done`, ask Cube one query per partition (core's
   * `verifyJobs`; the worker's client needs the `data` and `meta` scopes) and check that Cube answers it
   * from the pre-aggregation, from a build no older than the job's, with at least `minRows` rows. A
   * partition that fails is a failed job: triggered again when `policy.onFailure` is `retrigger`, else
   * the build fails with `PreAggregationVerificationError`. `true` is `{ minRows: 0 }`. @default false
   */
  readonly verify?: boolean | { /** Fewest rows each partition must have. @default 0 */ readonly minRows?: number };
}

/** One job of the build, with the trigger attempt that created it (1 = the first trigger). */
export interface BuildJob extends JobRecord {
  /** 1 for jobs of the first trigger, 2 for their first retrigger, … (posting a merged job again does not count) */
  readonly attempt: number;
  /**
   * How many times in a row the job's partition was posted again because Cube had merged it into an
   * identical build nobody here knows (see `merge`); sets the backoff before the next such post.
   */
  readonly mergedReposts?: number | undefined;
  /** What verifying the job saw (builds with `verify`), once it was `done`: see core's `PartitionVerification`. */
  readonly verification?:
    | {
        readonly outcome: 'verified' | 'failed' | 'unchecked';
        /** What was wrong, or why it could not be checked. */
        readonly problem?: string | undefined;
        /** Rows the verification query returned (at most `max(minRows, 1)`). */
        readonly rows?: number | undefined;
      }
    | undefined;
}

/** The workflow's state: the jobs it tracks and what it has done so far. */
export interface BuildState {
  /** Jobs being tracked (superseded jobs are dropped when retriggered). */
  jobs: BuildJob[];
  /** `post` requests made (trigger plus retriggers). */
  triggers: number;
  /** Jobs triggered again so far. */
  retriggered: number;
  /** Status polls made. */
  polls: number;
  /** Workflow start (epoch ms). */
  readonly startedAtMs: number;
}

/** What the build is doing. */
export type BuildPhase = 'triggering' | 'waiting' | 'verifying' | 'retriggering' | 'succeeded' | 'failed' | 'cancelled';

/** Answer of the `getBuildProgress` query. */
export interface BuildProgress {
  readonly phase: BuildPhase;
  /** Jobs per state, as last seen by the workflow (per-poll counts live in the waiting activity's heartbeat details: see `describeBuildProgress`). */
  readonly counts: Readonly<Record<JobState, number>>;
  /** Every job as last seen by the workflow. */
  readonly jobs: ReadonlyArray<Pick<BuildJob, 'token' | 'state' | 'table' | 'attempt'>>;
  readonly triggers: number;
  readonly polls: number;
  readonly elapsedMs: number;
}

/** Result of a successful `buildPreAggregations`. */
export interface BuildPreAggregationsResult {
  readonly outcome: 'succeeded';
  /** Every job's final status and table. */
  readonly jobs: BuildJob[];
  readonly counts: Readonly<Record<JobState, number>>;
  /** `post` requests made (1 unless jobs were triggered again). */
  readonly triggers: number;
  /** Jobs triggered again. */
  readonly retriggeredJobs: number;
  /** Status polls made. */
  readonly polls: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
}

/**
 * The `details[0]` of a build's `PreAggregationBuildFailedError` failure (`ERROR_NAMES.buildFailed`):
 * every failed job with its table, Cube's status and the partition it builds, and the build's counts;
 * also of its `PreAggregationVerificationError` (`ERROR_NAMES.verificationFailed`), whose jobs carry
 * their `verification`.
 */
export interface PreAggregationBuildFailedDetails {
  /** Every job that failed (and jobs that would be triggered again but used up `maxRetriggers`). */
  readonly failedJobs: readonly BuildJob[];
  /** Jobs per state across the whole build. */
  readonly counts: Readonly<Record<JobState, number>>;
}

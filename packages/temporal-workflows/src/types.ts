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

/** How the workflow waits for the jobs. */
export interface BuildWaitOptions {
  /**
   * `heartbeat`: one long activity polls and heartbeats (about 3 history events per wait, however long).
   * `timer`: the workflow sleeps on durable timers and polls with short activities (history grows per poll;
   * the workflow continues as new before it grows large).
   * @default 'heartbeat'
   */
  readonly mode?: 'heartbeat' | 'timer';
  /** First poll delay and shortest interval. @default '1s' */
  readonly pollInterval?: Duration;
  /** Longest interval between polls. @default '30s' */
  readonly maxPollInterval?: Duration;
  /** Largest interval as a fraction of the time waited so far: bounds how late completion is noticed. @default 0.05 */
  readonly pollLatencyFraction?: number;
  /** Give up when the jobs are not settled this long after the workflow started. @default none (Cube forgets jobs after 24 h) */
  readonly deadline?: Duration;
  /** Timer mode: continue as new once the run's history has this many events (or when the server suggests it). @default 5000 */
  readonly maxHistoryEvents?: number;
  /** Heartbeat timeout of the waiting activity (heartbeat mode): how soon a crashed worker's wait is taken over. @default '30s' */
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
  /** Fail at the first failed job instead of letting the others finish first. @default false (core's `DEFAULT_FAIL_FAST`) */
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
  /** State the workflow carries into its next run when it continues as new; leave it unset. */
  readonly resume?: BuildState;
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
}

/** The workflow's durable state: what it tracks between polls and carries across continue-as-new. */
export interface BuildState {
  /** Jobs being tracked (superseded jobs are dropped when retriggered). */
  jobs: BuildJob[];
  /** `post` requests made (trigger plus retriggers). */
  triggers: number;
  /** Jobs triggered again so far. */
  retriggered: number;
  /** Status polls made. */
  polls: number;
  /** Workflow start (epoch ms), kept across continue-as-new. */
  startedAtMs: number;
  /** Timer mode: when each token was first seen ambiguous. */
  ambiguousSinceMs: Record<string, number>;
  /** Timer mode: the current poll interval. */
  pollIntervalMs: number;
  /** Runs so far (1 + continue-as-new count). */
  runs: number;
  /** The build upserts its search attributes (the trigger's worker said so); kept across continue-as-new. */
  searchAttributes?: boolean | undefined;
}

/** What the build is doing. */
export type BuildPhase = 'triggering' | 'waiting' | 'retriggering' | 'succeeded' | 'failed' | 'cancelled';

/** Answer of the `getBuildProgress` query. */
export interface BuildProgress {
  readonly phase: BuildPhase;
  readonly waitMode: 'heartbeat' | 'timer';
  /** Jobs per state, as last seen by the workflow. In heartbeat mode, per-poll counts live in the waiting activity's heartbeat details. */
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
  /** Runs of the workflow (more than 1 after continue-as-new). */
  readonly runs: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
}

/** The signature of `buildPreAggregations`, for typed continue-as-new and handles inside the package. */
export type BuildWorkflow = (input: BuildPreAggregationsInput) => Promise<BuildPreAggregationsResult>;

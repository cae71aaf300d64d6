/**
 * Inputs and results of the Cube jobs activities. Plain JSON: these values travel through Temporal
 * history, so they hold no secrets, and durations are `…Ms` numbers.
 *
 * @module
 */
import type {
  JobMerge,
  JobState,
  PollJobsOptions,
  PreAggregationSelector,
  WaitForJobsOptions,
  WaitResult,
  WaitState,
} from '@cube-jobs/core';

/** What a job builds, as far as Cube told us; used to trigger exactly that job again. */
export interface JobTarget {
  /** `cube.preAggregation`. */
  readonly preAggregation: string;
  /** Data source of the pre-aggregation's cube. */
  readonly dataSource?: string | undefined;
  /** Time zone the job builds in. */
  readonly timezone?: string | undefined;
  /** The security context the job builds under (echoed by Cube). */
  readonly securityContext?: unknown;
  /** Start of the partition (local wall time), when the table name shows one. */
  readonly partitionStart?: string | undefined;
}

/** One job, compactly: enough to report it and, when it did not succeed, to trigger it again. */
export interface JobRecord {
  readonly token: string;
  /** Classified state. */
  readonly state: JobState;
  /** Cube's status string, when it says more than `state` (for `failure`, Cube's message). */
  readonly status?: string | undefined;
  /** Versioned physical table, when Cube knows the job. */
  readonly table?: string | undefined;
  /** What the job builds; kept for jobs that did not end `done`. */
  readonly target?: JobTarget | undefined;
  /**
   * Cube merged the job into an identical build it had queued (core's `JobStatus.merge`): that build's
   * token and table when the worker has read it (the job then has its state), else empty.
   */
  readonly merge?: JobMerge | undefined;
}

/** Input of `triggerPreAggregationBuild`. */
export interface TriggerPreAggregationBuildInput {
  /** Which pre-aggregations, contexts, time zones and partitions to build. */
  readonly selector: PreAggregationSelector;
}

/** Result of `triggerPreAggregationBuild`. */
export interface TriggerPreAggregationBuildResult {
  /** One token per job, in Cube's order. */
  readonly tokens: string[];
  /**
   * Set when the worker that ran the trigger has search attributes turned on (its namespace was
   * checked at start): the build then upserts them. Carried by this result so that history records the
   * choice and a replay makes the same one.
   */
  readonly searchAttributes?: true | undefined;
}

/** Input of `getPreAggregationJobStatuses`. */
export interface GetPreAggregationJobStatusesInput {
  /** Tokens to read. */
  readonly tokens: readonly string[];
}

/** Result of `getPreAggregationJobStatuses`. */
export interface GetPreAggregationJobStatusesResult {
  /** One record per token, in order. */
  readonly jobs: JobRecord[];
}

/** Input of `waitForPreAggregationJobs`: the tokens, and the wait options of core's `pollJobs`. */
export interface WaitForPreAggregationJobsInput extends Pick<PollJobsOptions, 'policy' | 'failFast' | 'deadlineMs'> {
  /** Tokens to wait for. */
  readonly tokens: readonly string[];
  /** When to poll, as core's `waitForJobs` takes it. @default first poll after 1 s, intervals up to 30 s */
  readonly schedule?: WaitForJobsOptions['schedule'];
}

/**
 * Result of `waitForPreAggregationJobs`: every job's final status and the verdict of core's wait loop
 * on them, under the policy the input gave. The build acts on this verdict; it does not judge again.
 */
export interface WaitForPreAggregationJobsResult {
  /** How the wait ended; failures are reported here, not thrown, so the workflow can retrigger. */
  readonly outcome: WaitResult['outcome'];
  /** One record per token, in order. */
  readonly jobs: JobRecord[];
  /** Tokens of the jobs that failed (including ambiguous ones the policy fails). */
  readonly failed: string[];
  /** Tokens of the jobs to trigger again (ambiguous ones the policy retriggers, same-second collisions). */
  readonly retrigger: string[];
  /** How long to wait before triggering {@link retrigger} again (core's `JobsSummary.retriggerAfterMs`). */
  readonly retriggerAfterMs: number;
  /** Status polls made (across retries of the activity). */
  readonly polls: number;
  /** Time spent waiting (across retries of the activity). */
  readonly elapsedMs: number;
}

/** What `waitForPreAggregationJobs` records in each heartbeat; a retry resumes from it. */
export interface WaitHeartbeatDetails {
  /** Resumable wait state. */
  readonly wait: WaitState;
  /** Jobs per state after the last poll. */
  readonly counts: Readonly<Record<JobState, number>>;
  /**
   * Each job's state and table after the last poll, as `[token, state, table]`, for live progress;
   * left out when the wait has more than {@link HEARTBEAT_JOBS_LIMIT} tokens, to keep heartbeats small.
   */
  readonly jobs?: ReadonlyArray<readonly [token: string, state: JobState, table: string | null]>;
}

/** Most tokens whose per-job progress a heartbeat carries. */
export const HEARTBEAT_JOBS_LIMIT = 200;

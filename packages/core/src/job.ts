/**
 * The job model: the states a job can be in, a job's status as this library holds it, and how a list
 * of jobs is described in a message. A leaf module (it imports nothing), so errors, schemas and
 * statuses can all build on it without a cycle.
 *
 * Pure module: no Node imports, safe inside the Temporal workflow sandbox.
 *
 * @module
 */

/** Every state a job can be in, as this library names them. */
export const JOB_STATES = [
  'scheduled',
  'processing',
  'done',
  'failure',
  'missing_partition',
  'not_found',
  'pre_agg_not_found',
  'unknown',
] as const;

/** A job state: Cube's status string, classified by prefix. */
export type JobState = (typeof JOB_STATES)[number];

/** The one-element selector Cube echoes for each job. */
export interface JobSelector {
  readonly cubes?: string[] | undefined;
  readonly preAggregations?: string[] | undefined;
  readonly contexts?: Array<{ securityContext?: unknown }> | undefined;
  readonly timezones?: Array<string | null> | undefined;
  readonly dataSources?: Array<string | null> | undefined;
  readonly [key: string]: unknown;
}

interface JobStatusBase {
  /** The job token. */
  readonly token: string;
  /** Cube's status string, unchanged. */
  readonly raw: string;
  /** The versioned physical table the job builds, when Cube knows the job. */
  readonly table?: string | undefined;
  /**
   * Start of the partition the job builds (local wall time, `2024-02-01T00:00:00.000`), read from the
   * digits Cube appends to a partitioned table's name; absent for non-partitioned tables.
   */
  readonly partitionStart?: string | undefined;
  /** The one-element selector Cube echoes for the job (its pre-aggregation, context, time zone, data source). */
  readonly selector?: JobSelector | undefined;
  /**
   * Set when Cube merged this job into an identical build it had already queued, so the job's own table
   * is never built and Cube reads it `missing_partition` (`raw`) for good. When that build is known
   * (`token`), `state` is its state: the job is `done` once that build is. See `MergedJobTracker`.
   */
  readonly merge?: JobMerge | undefined;
}

/** The identical build a job was merged into (see {@link JobStatus.merge}). */
export interface JobMerge {
  /** Its token, when the client has read it; absent when Cube merged the job into a build nobody here knows. */
  readonly token?: string | undefined;
  /** Its table: the one that holds the partition. */
  readonly table?: string | undefined;
}

/** A job's status, discriminated on `state`. */
export type JobStatus =
  | (JobStatusBase & { readonly state: Exclude<JobState, 'failure'> })
  | (JobStatusBase & { readonly state: 'failure'; readonly message: string });

/** Cube's prefix of a failed job's status (`failure: <database error>`), with the separator after it. */
export const FAILURE_STATUS_PREFIX = /^failure:?\s*/;

/** Cube's message in a `failure: <message>` status (the status itself when it has no such prefix). */
export function failureMessageOf(status: string): string {
  return status.replace(FAILURE_STATUS_PREFIX, '');
}

/** How many jobs a message lists by name before it says how many more there are. */
export const JOB_LIST_LIMIT = 20;

/** A job as a message names it. */
export interface JobListEntry {
  /** What to call the job: its table, else its pre-aggregation, else its token. */
  readonly name: string;
  /** Cube's status string. */
  readonly status: string;
}

/**
 * Describes jobs in one line, `name (status); name (status); and 3 more`: the first
 * {@link JOB_LIST_LIMIT} jobs, each with the first line of its status (database errors can span
 * several lines; callers keep the whole status in the error's fields).
 */
export function formatJobList(jobs: readonly JobListEntry[], limit: number = JOB_LIST_LIMIT): string {
  const shown = jobs.slice(0, limit).map((job) => `${job.name} (${job.status.split('\n')[0]})`);
  return shown.join('; ') + (jobs.length > limit ? `; and ${jobs.length - limit} more` : '');
}

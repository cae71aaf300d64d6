/**
 * What to do with jobs that do not simply succeed: the ambiguous states' policy and the fail-fast
 * default, defined once for core's wait loop and the Temporal workflow alike.
 *
 * Pure module: no Node imports, safe inside the Temporal workflow sandbox.
 *
 * @module
 */

/** The actions for a job whose outcome Cube no longer knows (`missing_partition`, `not_found`). */
export const AMBIGUOUS_JOB_ACTIONS = ['fail', 'retrigger', 'wait'] as const;

/** What to do with a job whose outcome Cube no longer knows (`missing_partition`, `not_found`). */
export type AmbiguousJobAction = (typeof AMBIGUOUS_JOB_ACTIONS)[number];

/** How the ambiguous states `missing_partition` and `not_found` are treated (see `summarizeJobs`). */
export interface JobsPolicy {
  /**
   * `missing_partition`: the table is absent, no error is known and the job is not queued (a build
   * de-duplicated against another, a lost queue item, ...).
   * @default 'retrigger'
   */
  readonly onMissingPartition: AmbiguousJobAction;
  /**
   * `not_found`: Cube has no record of the token (restarted with the memory driver, or expired after 24 h).
   * @default 'retrigger'
   */
  readonly onNotFound: AmbiguousJobAction;
  /**
   * For the `wait` action: how long a job may stay ambiguous before it counts as failed.
   * @default 60000
   */
  readonly ambiguousGraceMs: number;
  /**
   * For the `retrigger` and `fail` actions: how long a job must stay ambiguous (from its first sighting,
   * when `ambiguousSinceMs` records it) before the action applies; until then it is polled like a
   * running job. Cube reports `missing_partition` for a while when its queue merged a build into an
   * identical one still queued (seen on Cube 1.7.43): acting at once would post a duplicate build.
   * @default 10000
   */
  readonly ambiguousConfirmMs: number;
}

/** The policy used when none is given. */
export const DEFAULT_JOBS_POLICY: JobsPolicy = {
  onMissingPartition: 'retrigger',
  onNotFound: 'retrigger',
  ambiguousGraceMs: 60_000,
  ambiguousConfirmMs: 10_000,
};

/**
 * Whether a wait ends at the first failed job (`true`) or lets the other jobs finish first, so the
 * failure lists every failed job (`false`). Core's `waitForJobs`/`pollJobs` and the workflow's
 * `policy.failFast` share this default.
 */
export const DEFAULT_FAIL_FAST = false;

/** Merges a partial policy with the defaults. */
export function resolveJobsPolicy(policy?: Partial<JobsPolicy>): JobsPolicy {
  return {
    onMissingPartition: policy?.onMissingPartition ?? DEFAULT_JOBS_POLICY.onMissingPartition,
    onNotFound: policy?.onNotFound ?? DEFAULT_JOBS_POLICY.onNotFound,
    ambiguousGraceMs: policy?.ambiguousGraceMs ?? DEFAULT_JOBS_POLICY.ambiguousGraceMs,
    ambiguousConfirmMs: policy?.ambiguousConfirmMs ?? DEFAULT_JOBS_POLICY.ambiguousConfirmMs,
  };
}

/**
 * What the policy makes of a `missing_partition` / `not_found` job at `nowMs`, given when it was first
 * seen so (`sinceMs`, undefined for a one-off look): `pending` (keep polling it), `retrigger` or `fail`.
 * `retrigger` and `fail` wait for `ambiguousConfirmMs` after the first sighting; `wait` fails the job
 * once `ambiguousGraceMs` have passed.
 */
export function resolveAmbiguousJob(
  state: 'missing_partition' | 'not_found',
  policy: JobsPolicy,
  sinceMs: number | undefined,
  nowMs: number,
): 'pending' | 'retrigger' | 'fail' {
  const action = state === 'missing_partition' ? policy.onMissingPartition : policy.onNotFound;
  if (action === 'wait') return nowMs - (sinceMs ?? nowMs) >= policy.ambiguousGraceMs ? 'fail' : 'pending';
  return sinceMs !== undefined && nowMs - sinceMs < policy.ambiguousConfirmMs ? 'pending' : action;
}

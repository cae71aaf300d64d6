/**
 * The build's job records: how fresh records merge into the jobs the build tracks, how they are
 * counted, and how a list of jobs is named in a failure message.
 *
 * Workflow-safe: pure functions over plain data.
 *
 * @module
 */
import type { JobState } from '@cube-jobs/core/protocol';
import type { JobRecord } from '@cube-jobs/temporal-activities';
import { JobStateSchema } from './contract.js';
import type { BuildJob } from './types.js';

/** How many jobs the failure messages name before they say how many more there are. */
const NAMED_JOBS_LIMIT = 20;

/** Cube's status string of a job (records leave it out when it equals the state). */
export function statusOf(job: JobRecord): string {
  return job.status ?? job.state;
}

/** Jobs per state. */
export function countByState(jobs: ReadonlyArray<Pick<JobRecord, 'state'>>): Record<JobState, number> {
  const counts = Object.fromEntries(JobStateSchema.options.map((state) => [state, 0])) as Record<JobState, number>;
  for (const job of jobs) counts[job.state] += 1;
  return counts;
}

/**
 * The tracked jobs with the fresh records applied. What Cube said before is kept where it forgets a
 * job (a `not_found` record has no table or target); a merge holds only while records say so.
 */
export function mergeJobRecords(jobs: readonly BuildJob[], records: readonly JobRecord[]): BuildJob[] {
  const byToken = new Map(records.map((record) => [record.token, record]));
  return jobs.map((job) => {
    const record = byToken.get(job.token);
    if (!record) return job;
    const { merge: _earlier, ...kept } = job;
    return { ...kept, ...record, table: record.table ?? job.table, target: record.target ?? job.target };
  });
}

/** The jobs that have not reached a final state (`done`, `failure`, `pre_agg_not_found`). */
export function unfinishedJobs(jobs: readonly BuildJob[]): BuildJob[] {
  return jobs.filter((job) => job.state !== 'done' && job.state !== 'failure' && job.state !== 'pre_agg_not_found');
}

/** A job's status for a message: Cube's, or what its verification saw when that failed. */
function describeStatus(job: BuildJob): string {
  const verification = job.verification;
  return verification?.outcome === 'failed' ? `done, but ${verification.problem ?? 'not served'}` : statusOf(job);
}

/** Names jobs in a message: each by its table, else its pre-aggregation, else its token, with Cube's status. */
export function describeJobs(jobs: readonly BuildJob[]): string {
  const named = jobs
    .slice(0, NAMED_JOBS_LIMIT)
    .map((job) => `${job.table ?? job.target?.preAggregation ?? job.token} (${describeStatus(job).split('\n')[0]})`);
  const more = jobs.length > NAMED_JOBS_LIMIT ? `; and ${jobs.length - NAMED_JOBS_LIMIT} more` : '';
  return named.join('; ') + more;
}

/**
 * The build's job records: how a compact {@link JobRecord} reads as core's `JobStatus`, how fresh
 * records merge into the jobs the build tracks, and how a list of jobs is named in a failure message.
 *
 * Workflow-safe: pure functions over plain data.
 *
 * @module
 */
import { failureMessageOf, formatJobList, isFinalState, type JobStatus } from '@cube-jobs/core/protocol';
import type { JobRecord } from '@cube-jobs/temporal-activities';
import type { BuildJob } from './types.js';

/** Cube's status string of a job (records leave it out when it equals the state). */
export function statusOf(job: JobRecord): string {
  return job.status ?? job.state;
}

/** A record as core's status functions take it. */
export function asJobStatus(job: JobRecord): JobStatus {
  const raw = statusOf(job);
  const base = { token: job.token, raw, table: job.table };
  return job.state === 'failure'
    ? { ...base, state: 'failure', message: failureMessageOf(raw) }
    : { ...base, state: job.state };
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

/** The jobs that have not reached a final state. */
export function unfinishedJobs(jobs: readonly BuildJob[]): BuildJob[] {
  return jobs.filter((job) => !isFinalState(job.state));
}

/** Names jobs in a message: each by its table, else its pre-aggregation, else its token. */
export function describeJobs(jobs: readonly BuildJob[]): string {
  return formatJobList(
    jobs.map((job) => ({ name: job.table ?? job.target?.preAggregation ?? job.token, status: statusOf(job) })),
  );
}

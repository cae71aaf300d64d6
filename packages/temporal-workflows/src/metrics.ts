/**
 * The build's metrics, recorded through the workflow's metric meter (Temporal's SDK metrics: the worker
 * runtime exports them with its own, e.g. on its Prometheus endpoint). The SDK drops them while a
 * workflow replays, so each build counts once.
 *
 * Workflow-safe: `@temporalio/workflow` and plain data only.
 *
 * @module
 */
import { metricMeter } from '@temporalio/workflow';
import type { BuildJob, BuildPhase } from './types.js';

/** Names of the metrics builds record (Prometheus adds its own suffixes, e.g. `_bucket` for histograms). */
export const BUILD_METRICS = {
  /** Counter of ended builds, tagged `outcome`: `succeeded`, `failed` or `cancelled`. */
  builds: 'cube_jobs_builds',
  /** Histogram of build durations in milliseconds, tagged `outcome`. */
  buildDuration: 'cube_jobs_build_duration',
  /** Counter of jobs of ended builds by final state, tagged `state` (`done`, `failure`, `missing_partition`, …). */
  jobs: 'cube_jobs_jobs',
  /** Counter of jobs triggered again. */
  retriggeredJobs: 'cube_jobs_retriggered_jobs',
  /**
   * Histogram, in milliseconds, of how long a job's end could have gone unseen: from the last poll that
   * saw it running to the one that saw it `done` or `failure` (an upper bound; Cube reports no end time).
   * The waiting activity records it (`@cube-jobs/temporal-activities`); named here with the build's other metrics.
   */
  detectionLatency: 'cube_jobs_detection_latency',
} as const;

/** Records an ended build: its outcome, duration and every job's final state. */
export function recordBuildEnd(
  outcome: Extract<BuildPhase, 'succeeded' | 'failed' | 'cancelled'>,
  durationMs: number,
  jobs: readonly Pick<BuildJob, 'state'>[],
): void {
  metricMeter.createCounter(BUILD_METRICS.builds, 'builds', 'Builds that ended, by outcome').add(1, { outcome });
  metricMeter
    .createHistogram(BUILD_METRICS.buildDuration, 'int', 'ms', 'Build durations, by outcome')
    .record(Math.max(0, Math.round(durationMs)), { outcome });
  const counter = metricMeter.createCounter(BUILD_METRICS.jobs, 'jobs', 'Jobs of ended builds, by final state');
  const byState = new Map<string, number>();
  for (const job of jobs) byState.set(job.state, (byState.get(job.state) ?? 0) + 1);
  for (const [state, count] of byState) counter.add(count, { state });
}

/** Records jobs triggered again. */
export function recordRetriggeredJobs(count: number): void {
  if (count > 0) metricMeter.createCounter(BUILD_METRICS.retriggeredJobs, 'jobs', 'Jobs triggered again').add(count);
}

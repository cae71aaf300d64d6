/**
 * Metrics of the worker side: Cube requests (through the core client's `onRequest`) and, in heartbeat
 * mode, how soon the waiting activity saw jobs end. Recorded on a Temporal metric meter, so the worker
 * runtime exports them with its own (e.g. on its Prometheus endpoint).
 *
 * @module
 */
import type { CubeRequestEvent } from '@cube-jobs/core';
import type { MetricHistogram, MetricMeter } from '@temporalio/common';

/** Names of the worker-side metrics. */
export const WORKER_METRICS = {
  /** Counter of HTTP attempts to Cube's jobs endpoint, tagged `action`, `status_code` (`none` without an answer) and `result`. */
  cubeRequests: 'cube_jobs_cube_requests',
  /** Histogram of those attempts' durations in milliseconds, tagged `action` and `result`. */
  cubeRequestDuration: 'cube_jobs_cube_request_duration',
  /** Histogram, in milliseconds, of the time from the last poll that saw a job running to the one that saw it end. */
  detectionLatency: 'cube_jobs_detection_latency',
} as const;

/** A request's result as a tag: `ok`, or its error's kind in snake case (`CubeJobsRateLimitError` → `rate_limit`). */
function resultTag(result: string): string {
  if (result === 'ok') return 'ok';
  const kind = result
    .replace(/^CubeJobs|Error$/g, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return kind === '' ? 'error' : kind;
}

/**
 * An `onRequest` observer for `createCubeJobsClient` that counts Cube requests and records their
 * durations on `meter`, e.g. the worker runtime's: `Runtime.instance().metricMeter`.
 *
 * @example
 * ```ts
 * const client = createCubeJobsClient({ apiUrl, apiSecret, onRequest: cubeRequestMetrics(Runtime.instance().metricMeter) });
 * ```
 */
export function cubeRequestMetrics(meter: MetricMeter): (event: CubeRequestEvent) => void {
  const requests = meter.createCounter(WORKER_METRICS.cubeRequests, 'requests', "Requests to Cube's jobs endpoint");
  const durations = meter.createHistogram(
    WORKER_METRICS.cubeRequestDuration,
    'int',
    'ms',
    "Durations of requests to Cube's jobs endpoint",
  );
  return (event) => {
    const result = resultTag(event.result);
    requests.add(1, { action: event.action, status_code: String(event.statusCode ?? 'none'), result });
    durations.record(Math.round(event.durationMs), { action: event.action, result });
  };
}

/**
 * The detection-latency histogram of one wait's activity, one per namespace, task queue and activity
 * type: each `createHistogram` on a worker's meter makes a native instrument, which a worker waiting on
 * thousands of builds should not make per wait. (An activity's meter tags its records with exactly
 * those three, unless an interceptor adds more.)
 */
export function detectionLatencyHistograms(): (
  meter: MetricMeter,
  scope: { readonly namespace: string; readonly taskQueue: string; readonly activityType: string },
) => MetricHistogram {
  const histograms = new Map<string, MetricHistogram>();
  return (meter, { namespace, taskQueue, activityType }) => {
    const key = JSON.stringify([namespace, taskQueue, activityType]);
    let histogram = histograms.get(key);
    if (histogram === undefined) {
      histogram = meter.createHistogram(
        WORKER_METRICS.detectionLatency,
        'int',
        'ms',
        "Upper bound on the time between a job's end and the poll that saw it",
      );
      histograms.set(key, histogram);
    }
    return histogram;
  };
}

/**
 * Tracks, per token, when the job was last known running (`runningNow`: tokens known running now, e.g.
 * just triggered; then each poll that sees one running), and records on `histogram` the detection latency
 * of each job a later poll sees `done` or `failure`.
 */
export function detectionLatencyRecorder(
  histogram: MetricHistogram,
  runningNow: readonly string[] = [],
): (jobs: ReadonlyArray<{ token: string; state: string }>) => void {
  const startedAt = Date.now();
  const runningSeenAt = new Map<string, number>(runningNow.map((token) => [token, startedAt]));
  return (jobs) => {
    const now = Date.now();
    for (const job of jobs) {
      const seen = runningSeenAt.get(job.token);
      if (job.state === 'scheduled' || job.state === 'processing') runningSeenAt.set(job.token, now);
      else if (seen !== undefined) {
        runningSeenAt.delete(job.token);
        if (job.state === 'done' || job.state === 'failure') histogram.record(now - seen);
      }
    }
  };
}

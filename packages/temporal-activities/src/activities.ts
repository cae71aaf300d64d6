/**
 * The Cube jobs activities, created by {@link createCubeJobsActivities} around a configured core
 * client, so credentials stay in the worker and never enter workflow history.
 *
 * @module
 */
import { pollJobs, type CubeJobsClient, type JobStatus, type PartitionVerification } from '@cube-jobs/core';
import { activityInfo, cancellationSignal, CompleteAsyncError, Context, heartbeat } from '@temporalio/activity';
import { CancelledFailure, type Logger, type MetricHistogram } from '@temporalio/common';
import { createDetachedWaits, type DetachedWaits, type WaitHost } from './detached-waits.js';
import { toApplicationFailure } from './failures.js';
import { triggerMemo } from './trigger-memo.js';
import { detectionLatencyHistograms, detectionLatencyRecorder } from './metrics.js';
import {
  HEARTBEAT_JOBS_LIMIT,
  type GetPreAggregationJobStatusesInput,
  type GetPreAggregationJobStatusesResult,
  type JobRecord,
  type TriggerPreAggregationBuildInput,
  type TriggerPreAggregationBuildResult,
  type WaitForPreAggregationJobsInput,
  type WaitForPreAggregationJobsResult,
  type WaitHeartbeatDetails,
} from './types.js';

/** Dependencies of the activities. */
export interface CubeJobsActivitiesOptions {
  /**
   * A configured client (see `createCubeJobsClient`); its defaults fit a worker. The activities send each
   * request once and leave retries to Temporal's retry policies and the wait loop, whatever the client's
   * `maxRetries` says (that one applies to your own calls).
   */
  readonly client: CubeJobsClient;
  /**
   * Builds triggered through these activities upsert the cube-jobs search attributes
   * (`CUBE_JOBS_SEARCH_ATTRIBUTES`: pre-aggregations, cubes, data sources, phase, failed jobs). Turn on
   * only when the namespace has them registered: `cubeJobsPlugin` checks that when its worker starts and
   * fails with `CubeJobsSearchAttributesMissingError` if not. @default false
   */
  readonly searchAttributes?: boolean | undefined;
}

/** Converts a core status into a compact record; `done` jobs drop their target to keep history small. */
export function toJobRecord(job: JobStatus): JobRecord {
  const selector = job.selector;
  const preAggregation = selector?.preAggregations?.[0];
  const keepTarget = job.state !== 'done' && preAggregation !== undefined;
  return {
    token: job.token,
    state: job.state,
    ...(job.raw === job.state ? {} : { status: job.raw }),
    ...(job.table === undefined ? {} : { table: job.table }),
    ...(keepTarget
      ? {
          target: {
            preAggregation,
            dataSource: selector?.dataSources?.[0] ?? undefined,
            timezone: selector?.timezones?.[0] ?? undefined,
            securityContext: selector?.contexts?.[0]?.securityContext,
            partitionStart: job.partitionStart,
          },
        }
      : {}),
    ...(job.merge === undefined ? {} : { merge: job.merge }),
  };
}

/** The wait's heartbeat cadence without a heartbeat timeout (the cadence of the workflow's default, 5 minutes). */
const DEFAULT_HEARTBEAT_CADENCE_MS = 240_000;

/**
 * How often the wait heartbeats: 0.8 × its heartbeat timeout, as the SDK's own throttle would, and at
 * least every 500 ms. A shorter cadence buys nothing: completion is noticed by polling Cube, not by
 * heartbeats, and a lost worker is noticed after the timeout whatever the cadence.
 */
function heartbeatCadenceMs(heartbeatTimeoutMs: number | undefined): number {
  return heartbeatTimeoutMs ? Math.max(500, 0.8 * heartbeatTimeoutMs) : DEFAULT_HEARTBEAT_CADENCE_MS;
}

function requestId(): string {
  const info = activityInfo();
  return `${info.workflowExecution?.workflowId ?? 'standalone'}:${info.activityId}:${info.attempt}`;
}

/** `work`, or a rejection as soon as the activity is cancelled (the work goes on). */
function untilCancelled<T>(work: Promise<T>): Promise<T> {
  const signal = cancellationSignal();
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const cancelled = () => reject(signal.reason);
    signal.addEventListener('abort', cancelled, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', cancelled));
  });
}

/** Runs `fn`, converting errors (and cancellation) into what Temporal expects. */
async function asActivity<T>(client: CubeJobsClient, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const signal = cancellationSignal();
    if (signal.aborted) throw new CancelledFailure(String(signal.reason ?? 'cancelled'));
    throw toApplicationFailure(error, client.redact);
  }
}

/**
 * Creates the activities. Register the returned object with your worker:
 * `Worker.create({ activities: createCubeJobsActivities({ client }), ... })`.
 */
export function createCubeJobsActivities({ client, searchAttributes = false }: CubeJobsActivitiesOptions) {
  const triggerOnce = triggerMemo<string[]>();
  const waits = createDetachedWaits();
  const detectionHistogram = detectionLatencyHistograms();
  const activities = {
    /**
     * Triggers the builds a selector matches (Cube action `post`) and returns their tokens. Run again for
     * the same workflow run and activity (a workflow task that did not complete runs its local activity
     * again), it answers with the tokens it got before instead of posting again.
     */
    async triggerPreAggregationBuild(
      input: TriggerPreAggregationBuildInput,
    ): Promise<TriggerPreAggregationBuildResult> {
      const { workflowExecution, activityId } = activityInfo();
      const runKey = workflowExecution
        ? `${workflowExecution.workflowId}:${workflowExecution.runId}:${activityId}`
        : undefined;
      // One attempt: the trigger's retry layer is the local activity's retry policy. A post that has
      // started is not aborted when the attempt is cancelled (its workflow task was abandoned, say): Cube
      // may have accepted it, so its answer is kept for the attempt that comes next (bounded by `timeoutMs`).
      const post = () => client.triggerBuild(input.selector, { requestId: requestId(), maxRetries: 0 });
      return asActivity(client, async () => ({
        tokens: await untilCancelled(runKey === undefined ? post() : triggerOnce(runKey, post)),
        ...(searchAttributes ? { searchAttributes: true as const } : {}),
      }));
    },

    /** Reads the status of some tokens once (Cube action `get`). */
    async getPreAggregationJobStatuses(
      input: GetPreAggregationJobStatusesInput,
    ): Promise<GetPreAggregationJobStatusesResult> {
      return asActivity(client, async () => {
        const statuses = await client.readStatuses(input.tokens, cancellationSignal());
        return { jobs: statuses.map(toJobRecord) };
      });
    },

    /**
     * Proves that Cube serves what `done` jobs built (core's `verifyJobs`): one query per partition,
     * under the job's security context (the worker's client needs `apiSecret` for other contexts, and the
     * `data` and `meta` scopes). Returns one verdict per token, in order; a missing scope fails the
     * activity with `CubeJobsMissingScopeError`, not retried.
     */
    async verifyPreAggregationJobs(input: {
      /** Tokens of the jobs to verify. */
      readonly tokens: readonly string[];
      /** Fewest rows each partition must have. @default 0 */
      readonly minRows?: number | undefined;
    }): Promise<{ readonly partitions: PartitionVerification[] }> {
      return asActivity(client, async () => ({
        partitions: await client.verifyJobs(input.tokens, { minRows: input.minRows, signal: cancellationSignal() }),
      }));
    },

    /**
     * Polls until every job is settled, heartbeating its progress. The wait goes on after the activity
     * returns (asynchronous completion, see `handOverWaits`): it holds no activity slot, and reports its
     * heartbeats and its result through the worker's client. A retried attempt (after a worker crash)
     * resumes from the last heartbeat: it never triggers anything, it only polls the same tokens. The
     * verdict (core's `summarizeJobs` under the input's policy) is returned, not thrown, so the workflow
     * can trigger jobs again. Without a client (`MockActivityEnvironment`) it waits in the activity.
     */
    async waitForPreAggregationJobs(input: WaitForPreAggregationJobsInput): Promise<WaitForPreAggregationJobsResult> {
      const context = Context.current();
      const { info } = context;
      const resumed = info.heartbeatDetails as WaitHeartbeatDetails | undefined;
      const cadenceMs = heartbeatCadenceMs(info.heartbeatTimeoutMs);
      const histogram = detectionHistogram(context.metricMeter, info);
      const wait = (host: WaitHost) => pollUntilSettled(client, input, resumed, host, context.log, histogram);
      const temporal = workerClient(context);
      if (temporal !== undefined) {
        waits.start({
          temporal,
          // A copy: the SDK's is a view of the whole activity task's buffer.
          taskToken: info.taskToken.slice(),
          resumed,
          cadenceMs,
          log: context.log,
          toFailure: (error) => toApplicationFailure(error, client.redact),
          run: wait,
        });
        throw new CompleteAsyncError();
      }
      return asActivity(client, async () => {
        let latest = resumed;
        const ticker = setInterval(() => heartbeat(latest), cadenceMs);
        try {
          return await wait({ signal: cancellationSignal(), progress: (details) => (latest = details) });
        } finally {
          clearInterval(ticker);
        }
      });
    },
  };
  handOvers.set(activities, waits);
  return activities;
}

/** The worker's client, or `undefined` where there is none (`MockActivityEnvironment` without one). */
function workerClient(context: Context): Context['client'] | undefined {
  try {
    return context.client;
  } catch {
    return undefined;
  }
}

/**
 * The wait itself, wherever it is hosted: polls until the jobs settle under the input's policy, keeping
 * its progress with the host (one heartbeat per cadence carries the latest: each is a server write, a
 * billed action on Temporal Cloud, so progress alone never sends one).
 */
async function pollUntilSettled(
  client: CubeJobsClient,
  input: WaitForPreAggregationJobsInput,
  resumed: WaitHeartbeatDetails | undefined,
  host: WaitHost,
  logger: Logger,
  detectionHistogram: MetricHistogram,
): Promise<WaitForPreAggregationJobsResult> {
  // A fresh wait starts right after its trigger: its jobs are known running now.
  const recordDetections = detectionLatencyRecorder(detectionHistogram, resumed ? [] : input.tokens);
  const result = await pollJobs((tokens, signal) => client.readStatuses(tokens, signal), {
    tokens: input.tokens,
    policy: input.policy,
    failFast: input.failFast,
    deadlineMs: input.deadlineMs,
    ...input.schedule,
    signal: host.signal,
    resumeFrom: resumed?.wait,
    // The wait loop is the retry layer for status reads: a failed read is made again at the next
    // poll until the deadline; the activity's own retries only cover a lost worker.
    maxConsecutivePollFailures: Infinity,
    onPollError: (error, consecutiveFailures) => {
      logger.warn('Polling Cube failed; polling again at the next interval', {
        error: client.redact(error.message),
        consecutiveFailures,
      });
    },
    onProgress: ({ state, summary, jobs }) => {
      recordDetections(jobs);
      host.progress({
        wait: state,
        counts: summary.counts,
        ...(jobs.length <= HEARTBEAT_JOBS_LIMIT
          ? { jobs: jobs.map((job) => [job.token, job.state, job.table ?? null] as const) }
          : {}),
      });
    },
  });
  const tokensOf = (jobs: readonly JobStatus[]) => jobs.map((job) => job.token);
  return {
    outcome: result.outcome,
    jobs: result.jobs.map(toJobRecord),
    failed: tokensOf(result.summary.failed),
    retrigger: tokensOf(result.summary.retrigger),
    retriggerAfterMs: result.summary.retriggerAfterMs,
    polls: result.polls,
    elapsedMs: result.elapsedMs,
  };
}

/** The detached waits of each activities object, for {@link handOverWaits}. */
const handOvers = new WeakMap<object, DetachedWaits>();

/**
 * Hands the builds a worker's activities are waiting on over to other workers, from their latest progress:
 * call it once the worker has stopped (`await worker.run()` returned). Waits go on after their activity
 * returns, so a stopped worker would otherwise leave them until their heartbeat timeout (5 minutes by
 * default). `cubeJobsPlugin` does it for you. Resolves with how many waits were handed over.
 *
 * @example
 * ```ts
 * const activities = createCubeJobsActivities({ client });
 * const worker = await Worker.create({ connection, taskQueue, workflowsPath, activities });
 * await worker.run();
 * await handOverWaits(activities);
 * ```
 */
export async function handOverWaits(activities: CubeJobsActivities): Promise<number> {
  return (await handOvers.get(activities)?.handOver()) ?? 0;
}

/** The activities object; workflows proxy this type (`import type`). */
export type CubeJobsActivities = ReturnType<typeof createCubeJobsActivities>;

/**
 * The benchmark's set-ups: the time scale, the fake Cube of each scenario, a worker on the dev server,
 * and how a build is started: ours or the baseline.
 *
 * @module
 */
import { createCubeJobsClient } from '@cube-jobs/core';
import { createCubeJobsActivities } from '@cube-jobs/temporal-activities';
import { startFakeCube, type FakeCube, type FakeCubeModel, type FakeCubeOptions } from '@cube-jobs/testing';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Mode } from './results.js';
import { buildPreAggregations, naivePollingBuild } from './workflows.js';

/**
 * Real time = build time / SCALE. Not higher: the dev server fires timers with about one second of
 * granularity, so the baseline's 10 s sleep must stay well above a second once scaled.
 */
export const SCALE = 5;

/** A duration in build time, as real time (with `scale` 1, unchanged). */
export const scaled = (buildMs: number, scale: number = SCALE): number => Math.max(1, Math.round(buildMs / scale));

/** Fake Cube queue size: every build runs at once, so concurrent builds do not slow each other down. */
const UNLIMITED = 100_000;

/** The selector every benchmark build posts. */
export const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'], preAggregations: ['bench.daily'] };

/** A model with one pre-aggregation of `partitions` daily partitions that each build for `durationMs` (or per partition). */
export function benchModel(partitions: number, durationMs: number | (() => number)): FakeCubeModel {
  const end = new Date(Date.UTC(2020, 0, 1) + (partitions - 1) * 86_400_000).toISOString().slice(0, 10);
  return {
    cubes: [
      {
        name: 'bench',
        preAggregations: [
          { name: 'daily', partitionGranularity: 'day', buildRange: ['2020-01-01', end], buildDurationMs: durationMs },
        ],
      },
    ],
  };
}

/**
 * A fake Cube for the benchmark: every build runs at once, and Cube's same-second collision and merging
 * of identical builds are off (concurrent builds of the same partitions by different modes would
 * otherwise fail or merge into each other; the benchmark measures cost, not those quirks).
 */
export function startBenchCube(
  partitions: number,
  durationMs: number | (() => number),
  extra: Pick<FakeCubeOptions, 'rateLimit'> = {},
): Promise<FakeCube> {
  return startFakeCube({
    sameSecondRebuildFails: false,
    dedupInFlightBuilds: false,
    model: benchModel(partitions, durationMs),
    concurrency: UNLIMITED,
    buildDurationMs: typeof durationMs === 'number' ? durationMs : 1,
    ...extra,
  });
}

/** The production default of the wait's heartbeat timeout (build time), which the benchmark's builds use unless told. */
export const HEARTBEAT_TIMEOUT_MS = 300_000;

/** A client of the dev server for `namespace` (each namespace's server metrics are counted apart). */
export function namespaceClient(env: TestWorkflowEnvironment, namespace: string): Client {
  return namespace === 'default' ? env.client : new Client({ connection: env.connection, namespace });
}

/** A worker on the dev server with the real activities against `cube`, on pre-bundled workflow code. */
export function startBenchWorker(
  env: TestWorkflowEnvironment,
  cube: FakeCube,
  taskQueue: string,
  bundle: WorkflowBundleWithSourceMap,
  namespace = 'default',
) {
  // The poller's tick is a time constant like the poll intervals: scaled with them.
  const client = createCubeJobsClient({
    apiUrl: cube.url,
    apiSecret: cube.apiSecret,
    advanced: { pollTickMs: scaled(1000) },
  });
  return Worker.create({
    connection: env.nativeConnection,
    namespace,
    taskQueue,
    workflowBundle: bundle,
    activities: createCubeJobsActivities({ client }),
  });
}

/**
 * Starts a build: ours (`buildPreAggregations`, poll intervals and heartbeat timeout the production
 * defaults scaled by `scale`, or the heartbeat timeout given in build time) or the baseline (its 10 s sleep
 * scaled the same way).
 */
export function startBuild(
  client: Client,
  taskQueue: string,
  mode: Mode,
  workflowId: string,
  scale: number = SCALE,
  heartbeatTimeoutMs: number = HEARTBEAT_TIMEOUT_MS,
): Promise<WorkflowHandle> {
  if (mode === 'baseline') {
    return client.workflow.start(naivePollingBuild, {
      taskQueue,
      workflowId,
      args: [{ selector, sleepMs: scaled(10_000, scale) }],
    });
  }
  return client.workflow.start(buildPreAggregations, {
    taskQueue,
    workflowId,
    args: [
      {
        selector,
        wait: {
          pollInterval: scaled(1000, scale),
          maxPollInterval: scaled(30_000, scale),
          heartbeatTimeout: scaled(heartbeatTimeoutMs, scale),
        },
      },
    ],
  });
}

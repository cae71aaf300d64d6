/**
 * Shared test plumbing: a real Temporal dev server (or the cluster, in `npm run test:cluster`), the fake
 * Cube, real activities, a bundled workflow.
 */
import { randomUUID } from 'node:crypto';
import { createCubeJobsClient, type CubeJobsClient, type CubeJobsClientOptions } from '@cube-jobs/core';
import { createCubeJobsActivities } from '@cube-jobs/temporal-activities';
import { startFakeCube, type FakeCube, type FakeCubeOptions } from '@cube-jobs/testing';
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  Runtime,
  DefaultLogger,
  Worker,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import { workflowsPath } from '../src/index.js';
import type { AnySearchAttributeKey } from '../src/search-attributes.js';
import { buildPreAggregations, type BuildPreAggregationsInput } from '../src/workflow-safe.js';

let runtimeInstalled = false;

/** Every log line the worker produced in this test file (workflow, activity and SDK logs at INFO and above). */
export const capturedLogs: string[] = [];

/** Captures the worker's logs for assertions, printing only warnings and errors. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const line = `${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {}, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))}`;
      capturedLogs.push(line);
      if (entry.level === 'WARN' || entry.level === 'ERROR') console.warn(line);
    }),
    // The SDK core's own warnings (e.g. TMPRL1104) reach the same logger, so tests can assert on them.
    telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } },
  });
}

/**
 * Starts a local dev server from the resolved binary (again, if it misses the SDK's start-up window), or,
 * in a run on the cluster (`npm run test:cluster`), connects to its `default` namespace, where the global
 * setup registered every cube-jobs search attribute.
 */
export async function startTemporal(
  server: { searchAttributes?: AnySearchAttributeKey[] } = {},
): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const cluster = inject('temporalCluster');
  if (cluster)
    return TestWorkflowEnvironment.createFromExistingServer({ address: cluster.address, namespace: 'default' });
  return createLocalTestEnvironment({ server: { ...server, executable: inject('temporalExecutable') } });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundles the workflows once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

/** The fake Cubes started by {@link startCube} and not stopped yet. */
const runningCubes = new Set<FakeCube>();

/** Stops every fake Cube {@link startCube} started (call it in `afterEach`). */
export async function stopCubes(): Promise<void> {
  const cubes = [...runningCubes];
  runningCubes.clear();
  await Promise.all(cubes.map((cube) => cube.stop()));
}

/** A fake Cube plus a client for it (a 20 ms poller tick unless told otherwise); {@link stopCubes} stops it. */
export async function startCube(
  options: FakeCubeOptions = {},
  clientOptions: Partial<CubeJobsClientOptions> = {},
): Promise<{ cube: FakeCube; client: CubeJobsClient }> {
  const cube = await startFakeCube({ buildDurationMs: 50, ...options });
  runningCubes.add(cube);
  const client = createCubeJobsClient({
    apiUrl: cube.url,
    apiSecret: cube.apiSecret,
    timeoutMs: 5000,
    ...clientOptions,
    advanced: { pollTickMs: 20, ...clientOptions.advanced },
  });
  return { cube, client };
}

/** Creates a worker on a fresh task queue hosting the real activities (`options` on top). */
export async function createWorker(
  env: TestWorkflowEnvironment,
  client: CubeJobsClient,
  taskQueue = `cube-jobs-${randomUUID()}`,
  options: Partial<WorkerOptions> = {},
) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createCubeJobsActivities({ client }),
    ...options,
  });
  return { worker, taskQueue };
}

/** A minimal selector. */
export const baseSelector = { contexts: [{ securityContext: {} }], timezones: ['UTC'] };

/** Fast polling for tests. */
export const fastWait = { pollInterval: 50, maxPollInterval: 200, heartbeatTimeout: '5s' } as const;

/** Runs one build to its end on a fresh fake Cube and worker: its result or its error, and the Cube. */
export async function runBuild(
  env: TestWorkflowEnvironment,
  input: BuildPreAggregationsInput,
  cubeOptions: FakeCubeOptions = {},
) {
  const { cube, client } = await startCube(cubeOptions);
  const { worker, taskQueue } = await createWorker(env, client);
  const workflowId = `test-${randomUUID()}`;
  const outcome = await worker.runUntil(
    env.client.workflow
      .execute(buildPreAggregations, { taskQueue, workflowId, args: [input] })
      .then((value) => ({ ok: true as const, value }))
      .catch((error: unknown) => ({ ok: false as const, error })),
  );
  return { ...outcome, cube, workflowId };
}

/** The `ApplicationFailure` a failed workflow ended with (asserting that it is one). */
export function failureOf(error: unknown): ApplicationFailure {
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/**
 * For a test file of builds: a dev server started before its tests and stopped after them, fake Cubes
 * stopped after each test, and `run` for one build to its end.
 */
export function useBuildEnvironment(server: Parameters<typeof startTemporal>[0] = {}) {
  let started: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    started = await startTemporal(server);
  });
  afterAll(async () => {
    await started?.teardown();
  });
  afterEach(stopCubes);
  const current = (): TestWorkflowEnvironment => {
    if (!started) throw new Error('The dev server is not started yet (use it inside a test)');
    return started;
  };
  return {
    /** The running dev server. */
    get env(): TestWorkflowEnvironment {
      return current();
    },
    /** Runs one build on a fresh fake Cube and worker. */
    run: (input: BuildPreAggregationsInput, cubeOptions: FakeCubeOptions = {}) =>
      runBuild(current(), input, cubeOptions),
  };
}

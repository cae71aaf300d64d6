/**
 * Cube's load under many concurrent builds: N builds of 12 partitions started at once on one worker
 * process, against a fake Cube that enforces Cube Cloud's rate limit (100 requests/s, bursts to 1,000),
 * in three ways: the shared poller (the default, `maxRequestsPerSecond: 100`), independent waits (each
 * build polls on its own, as before; no client-side limit), and the naive 10 s loop of Cube's Airflow
 * and Prefect integrations (independent, no limit). Measures the status requests Cube received, the
 * busiest second, 429s, detection latency, and the worker's memory and CPU time.
 *
 * Unlike the other scenarios this one runs in real time: scaling it would make the worker's CPU five
 * times as busy, and requests per second are counted per real second.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { spawnWorkerProcess } from '@cube-jobs/dev-tools';
import type { FakeCube, FakeCubeOptions } from '@cube-jobs/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { cpuSeconds, namespaceCounters, percentile, procMemoryBytes } from '../measure.js';
import type { LoadMode, LoadRunResult } from '../results.js';
import { namespaceClient, startBenchCube, startBuild } from '../setup.js';

/** Cube Cloud's limit per deployment: 100 requests/s, bursts to 1,000, 429 with `Retry-After: 1` above that. */
const CUBE_CLOUD_RATE_LIMIT: NonNullable<FakeCubeOptions['rateLimit']> = {
  requestsPerSecond: 100,
  burst: 1000,
  retryAfterSeconds: 1,
};

/** The client's pacing in each mode, as the worker process reads it from its environment. */
const PACING: Record<LoadMode, Record<string, string>> = {
  shared: { STATUS_POLLING: 'shared', MAX_REQUESTS_PER_SECOND: '100' },
  independent: { STATUS_POLLING: 'independent', MAX_REQUESTS_PER_SECOND: 'Infinity', STATUS_BATCH_SIZE: '1000' },
  baseline: { STATUS_POLLING: 'independent', MAX_REQUESTS_PER_SECOND: 'Infinity', STATUS_BATCH_SIZE: '1000' },
};

/** Options of one load run. */
export interface LoadRunOptions {
  readonly mode: LoadMode;
  readonly builds: number;
  /** How long each build's partitions take (real time). */
  readonly buildMs: number;
  /** Partitions per build. @default 12 */
  readonly partitions?: number;
  /** V8 heap cap of the worker process, in MiB. @default 192 */
  readonly heapMiB?: number;
  /** The dev server namespace of this run, which no other run uses (its server metrics are this run's). */
  readonly namespace: string;
  /** The dev server's metrics endpoint. */
  readonly metricsUrl: string;
}

/** Starts the builds of one run, at once: ours, or the naive loop for the baseline. */
function startBuilds(
  client: Client,
  taskQueue: string,
  mode: LoadMode,
  builds: number,
  t0: number,
): Promise<WorkflowHandle[]> {
  const buildMode = mode === 'baseline' ? 'baseline' : 'cube-jobs';
  return Promise.all(
    Array.from({ length: builds }, (_, i) => startBuild(client, taskQueue, buildMode, `load-${mode}-${i}-${t0}`, 1)),
  );
}

/** Detection latency of each build: its close (as Temporal recorded it) minus the moment its last job finished. */
function latencies(
  cube: FakeCube,
  handles: readonly WorkflowHandle[],
  closeTimes: ReadonlyMap<string, number>,
): { latencyMs: number; durationMs: number }[] {
  const jobsByToken = new Map(cube.jobs.map((job) => [job.token, job]));
  const postsByWorkflow = new Map(
    cube.posts().map((post) => [String(post.headers['x-request-id'] ?? '').split(':')[0], post]),
  );
  const out: { latencyMs: number; durationMs: number }[] = [];
  for (const handle of handles) {
    const post = postsByWorkflow.get(handle.workflowId);
    const closeMs = closeTimes.get(handle.workflowId);
    if (!post || closeMs === undefined) continue;
    const lastDone = Math.max(...(post.issuedTokens ?? []).map((token) => jobsByToken.get(token)?.finishesAtMs ?? 0));
    out.push({ latencyMs: closeMs - lastDone, durationMs: lastDone - post.atMs });
  }
  return out;
}

/** The most builds waiting at once: each from its post (Cube's clock) to its close (Temporal's record). */
function peakWaiting(cube: FakeCube, closeTimes: ReadonlyMap<string, number>): number {
  const changes: [number, number][] = [];
  for (const post of cube.posts()) {
    const workflowId = String(post.headers['x-request-id'] ?? '').split(':')[0] ?? '';
    const closeMs = closeTimes.get(workflowId);
    changes.push([post.atMs, 1], [closeMs ?? Infinity, -1]);
  }
  // Closes first at equal times.
  changes.sort(([a, da], [b, db]) => a - b || da - db);
  let waiting = 0;
  let peak = 0;
  for (const [, change] of changes) peak = Math.max(peak, (waiting += change));
  return peak;
}

/** How a `handle.result()` call ended: `ok`, or the error's name with its gRPC code and first words. */
function resultCallCause(outcome: PromiseSettledResult<unknown>): string {
  if (outcome.status === 'fulfilled') return 'ok';
  const error = outcome.reason as {
    name?: string;
    code?: number;
    message?: string;
    cause?: { name?: string; code?: number; details?: string };
  };
  // A workflow that failed is an answer, not a failed call: its cause is counted from Temporal's record.
  if (error?.name === 'WorkflowFailedError') return 'ok (workflow failed)';
  const code = error?.code ?? error?.cause?.code;
  // The server's own words (e.g. "namespace concurrent poller limit exceeded") are in the gRPC details.
  const details = error?.cause?.details ? ` (${error.cause.details.slice(0, 60)})` : '';
  return `${error?.name ?? 'Error'}${code === undefined ? '' : ` (gRPC ${code})`}: ${String(error?.message ?? '').slice(0, 60)}${details}`;
}

/**
 * Posts beyond one per build, by how they came: the same request id again (the trigger ran again
 * within a workflow task that was retried) or a later attempt of the trigger (its retry policy).
 */
function repeatedPosts(cube: FakeCube): { builds: number; sameRequestId: number; laterAttempt: number } {
  const seen = new Set<string>();
  const postsByWorkflow = new Map<string, number>();
  let sameRequestId = 0;
  let laterAttempt = 0;
  for (const post of cube.posts()) {
    const requestId = String(post.headers['x-request-id'] ?? '').replace(/-span-\d+$/, '');
    const [workflowId = '', , attempt = '1'] = requestId.split(':');
    postsByWorkflow.set(workflowId, (postsByWorkflow.get(workflowId) ?? 0) + 1);
    if (seen.has(requestId)) sameRequestId += 1;
    else if (attempt !== '1') laterAttempt += 1;
    seen.add(requestId);
  }
  const builds = [...postsByWorkflow.values()].filter((posts) => posts > 1).length;
  return { builds, sameRequestId, laterAttempt };
}

/** Adds one to `key` of `counts`. */
function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Runs `work` on `items`, `size` at a time. */
async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/**
 * Every build's outcome from Temporal's record: its close status (`describe`) and, for a failed build,
 * its failure's type (from the closed run's result), read 50 at a time. A build still running (its
 * result call failed, not the build) is waited for, 50 at a time, and read again (three rounds at most).
 */
async function recordedOutcomes(handles: readonly WorkflowHandle[]) {
  const closeStatuses: Record<string, number> = {};
  const failuresByType: Record<string, number> = {};
  const closeTimes = new Map<string, number>();
  let pending = [...handles];
  for (let round = 1; pending.length > 0; round += 1) {
    const running: WorkflowHandle[] = [];
    await inBatches(pending, 50, async (handle) => {
      const description = await handle.describe();
      const status = description.status.name;
      if (status === 'RUNNING' && round < 3) {
        running.push(handle);
        return;
      }
      tally(closeStatuses, status);
      const closeMs = description.closeTime?.getTime();
      if (closeMs !== undefined) closeTimes.set(handle.workflowId, closeMs);
      if (status !== 'FAILED') return;
      const type = await handle.result().then(
        () => 'none',
        (error: { cause?: { type?: string; name?: string } }) => error.cause?.type ?? error.cause?.name ?? 'unknown',
      );
      tally(failuresByType, type);
    });
    await inBatches(running, 50, (handle) =>
      handle.result().then(
        () => undefined,
        () => undefined,
      ),
    );
    pending = running;
  }
  return { closeStatuses, failuresByType, closeTimes };
}

/** One run: a worker process, a rate-limited fake Cube, `builds` builds at once. */
export async function loadRun(
  env: TestWorkflowEnvironment,
  /** A file holding the workflow code bundled once beforehand, which the worker process loads. */
  bundlePath: string,
  options: LoadRunOptions,
): Promise<LoadRunResult> {
  const { mode, builds } = options;
  const cube = await startBenchCube(options.partitions ?? 12, options.buildMs, { rateLimit: CUBE_CLOUD_RATE_LIMIT });
  const taskQueue = `bench-load-${mode}-${builds}`;
  // A worker sized for the job: a bounded V8 heap makes the garbage of a thousand waits get collected early.
  const child = await spawnWorkerProcess({
    script: fileURLToPath(new URL('../worker-process.js', import.meta.url)),
    // Small young generations (2 MiB semi-spaces, for the main and the workflow thread): a worker that holds
    // thousands of idle waits gains little from the default 16 MiB and pays for it in RSS.
    nodeArgs: [`--max-old-space-size=${options.heapMiB ?? 192}`, '--max-semi-space-size=2'],
    env: {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: options.namespace,
      TASK_QUEUE: taskQueue,
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: cube.apiSecret,
      MAX_ACTIVITIES: String(builds),
      // Waiting builds are idle in an activity: a small cache saves about 1 MiB per build (see the README).
      MAX_CACHED_WORKFLOWS: '10',
      WORKFLOW_BUNDLE: bundlePath,
      // Two malloc arenas instead of one per thread: the native side's memory stops fragmenting across
      // arenas (measured: about 85 MiB less RSS with 3,500 builds waiting).
      MALLOC_ARENA_MAX: '2',
      ...PACING[mode],
    },
  });
  const pid = child.pid as number;
  const cpuBefore = cpuSeconds(pid);
  const client = namespaceClient(env, options.namespace);
  const serverBefore = await namespaceCounters(options.metricsUrl, options.namespace);
  const t0 = Date.now();
  const handles = await startBuilds(client, taskQueue, mode, builds, t0);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, procMemoryBytes(pid, 'VmRSS'))), 200);
  // Wait as a pipeline would, on every result at once; count what those calls ended with by cause.
  const resultCalls: Record<string, number> = {};
  for (const outcome of await Promise.allSettled(handles.map((h) => h.result())))
    tally(resultCalls, resultCallCause(outcome));
  clearInterval(sampler);
  const wallMs = Date.now() - t0;
  const hwm = procMemoryBytes(pid, 'VmHWM');
  const cpu = cpuSeconds(pid) - cpuBefore;
  // A result call that failed (not the workflow) leaves its build running: wait for Temporal's record.
  const recorded = await recordedOutcomes(handles);
  child.kill('SIGTERM');
  const serverAfter = await namespaceCounters(options.metricsUrl, options.namespace);
  const buildMinutes = (builds * options.buildMs) / 60_000;
  const measured = latencies(cube, handles, recorded.closeTimes);
  const gets = cube.requests.filter((r) => r.action === 'get');
  await cube.stop();
  const values = measured.map((m) => m.latencyMs);
  return {
    mode,
    builds,
    partitions: options.partitions ?? 12,
    buildMs: options.buildMs,
    succeeded: recorded.closeStatuses.COMPLETED ?? 0,
    closeStatuses: recorded.closeStatuses,
    failuresByType: recorded.failuresByType,
    resultCalls,
    posts: cube.posts().length,
    repeatedPosts: repeatedPosts(cube),
    statusRequests: gets.length,
    tokensPolled: gets.reduce((n, r) => n + ((r.body as { tokens?: unknown[] }).tokens?.length ?? 0), 0),
    peakStatusRequestsPerSecond: cube.peakRequestsPerSecond('get'),
    peakRequestsPerSecond: cube.peakRequestsPerSecond(),
    rateLimited: cube.rateLimited(),
    latencyP50Ms: percentile(values, 50),
    latencyP95Ms: percentile(values, 95),
    // The shared poller may add one tick (1 s) to the bound.
    withinBound:
      measured.filter((m) => m.latencyMs <= Math.max(1000, 0.05 * m.durationMs) + (mode === 'shared' ? 1000 : 0))
        .length / Math.max(1, measured.length),
    heartbeats: serverAfter.heartbeats - serverBefore.heartbeats,
    writesPerBuildMinute: (serverAfter.writes - serverBefore.writes) / buildMinutes,
    wallMs,
    peakWaiting: peakWaiting(cube, recorded.closeTimes),
    peakRssBytes: Math.max(peakRss, hwm),
    cpuSeconds: cpu,
  };
}

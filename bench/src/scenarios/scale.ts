/**
 * Scenarios 4a and 4b: many concurrent heartbeat-mode builds on one worker process (its peak memory
 * and CPU time), and one build with thousands of tokens in each mode (its history size).
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnWorkerProcess } from '@cube-jobs/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { cpuSeconds, historyBytes, historyOf, procMemoryBytes } from '../measure.js';
import type { BigBuildResult, ScaleResult } from '../results.js';
import { scaled, selector, startBenchCube, startBenchWorker, startBuild } from '../setup.js';
import { buildPreAggregations } from '../workflows.js';

/** Builds started at once on one worker. */
export const CONCURRENT_BUILDS = 1000;

/** Tokens of the big build. */
export const BIG_BUILD_TOKENS = 5000;

/** {@link CONCURRENT_BUILDS} builds on a worker in its own process, loading pre-bundled workflow code. */
export async function concurrentBuilds(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  quick: boolean,
): Promise<ScaleResult> {
  const buildMs = quick ? 30_000 : 600_000; // build time of each of the concurrent builds
  const cube = await startBenchCube(1, scaled(buildMs));
  const taskQueue = 'bench-scale';
  const bundlePath = join(mkdtempSync(join(tmpdir(), 'cube-jobs-bench-')), 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  // A worker sized for the job: a bounded V8 heap makes the garbage of a thousand pollers get collected early.
  const child = await spawnWorkerProcess({
    script: fileURLToPath(new URL('../worker-process.js', import.meta.url)),
    nodeArgs: ['--max-old-space-size=192'],
    env: {
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: taskQueue,
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: cube.apiSecret,
      MAX_ACTIVITIES: String(CONCURRENT_BUILDS),
      MAX_CACHED_WORKFLOWS: '100',
      WORKFLOW_BUNDLE: bundlePath,
    },
  });
  const pid = child.pid as number;
  const cpuBefore = cpuSeconds(pid);
  const t0 = Date.now();
  const handles = await Promise.all(
    Array.from({ length: CONCURRENT_BUILDS }, (_, i) =>
      env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `scale-${i}-${t0}`,
        args: [
          { selector, wait: { pollInterval: scaled(1000), maxPollInterval: scaled(30_000), heartbeatTimeout: '60s' } },
        ],
      }),
    ),
  );
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, procMemoryBytes(pid, 'VmRSS'))), 200);
  const outcomes = await Promise.allSettled(handles.map((h) => h.result()));
  clearInterval(sampler);
  const wallMs = Date.now() - t0;
  const hwm = procMemoryBytes(pid, 'VmHWM');
  const cpu = cpuSeconds(pid) - cpuBefore;
  child.kill('SIGTERM');
  await cube.stop();
  rmSync(dirname(bundlePath), { recursive: true, force: true });
  return {
    builds: CONCURRENT_BUILDS,
    succeeded: outcomes.filter((o) => o.status === 'fulfilled').length,
    buildRealMs: scaled(buildMs),
    wallMs,
    peakRssBytes: Math.max(peakRss, hwm),
    cpuSeconds: cpu,
  };
}

/** One build of {@link BIG_BUILD_TOKENS} tokens in heartbeat and in timer mode. */
export async function bigBuild(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  quick: boolean,
): Promise<{ heartbeat: BigBuildResult; timer: BigBuildResult }> {
  const measure = async (mode: 'heartbeat' | 'timer'): Promise<BigBuildResult> => {
    const cube = await startBenchCube(BIG_BUILD_TOKENS, scaled(quick ? 10_000 : 120_000));
    const taskQueue = `bench-big-${mode}`;
    const worker = await startBenchWorker(env, cube, taskQueue, bundle);
    const id = `big-${mode}-${Date.now()}`;
    const t0 = Date.now();
    const outcome = await worker.runUntil(
      startBuild(env, taskQueue, mode, id).then((h) =>
        h.result().then(
          () => 'succeeded',
          (e: unknown) => `failed: ${(e as Error).message}`,
        ),
      ),
    );
    const wallMs = Date.now() - t0;
    const { events, runs } = await historyOf(env, id);
    await cube.stop();
    return {
      outcome,
      tokens: BIG_BUILD_TOKENS,
      historyBytes: historyBytes(events),
      events: events.length,
      continueAsNew: runs - 1,
      wallMs,
    };
  };
  return { heartbeat: await measure('heartbeat'), timer: await measure('timer') };
}

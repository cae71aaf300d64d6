/**
 * Scenario 5: one build of ours with thousands of tokens (its history size and events).
 *
 * @module
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyBytes, historyOf } from '../measure.js';
import type { BigBuildResult } from '../results.js';
import { scaled, startBenchCube, startBenchWorker, startBuild } from '../setup.js';

/** Tokens of the big build. */
export const BIG_BUILD_TOKENS = 5000;

/** One build of {@link BIG_BUILD_TOKENS} tokens, ours (one heartbeating wait activity). */
export async function bigBuild(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  quick: boolean,
): Promise<BigBuildResult> {
  const cube = await startBenchCube(BIG_BUILD_TOKENS, scaled(quick ? 10_000 : 120_000));
  const taskQueue = 'bench-big-cube-jobs';
  const worker = await startBenchWorker(env, cube, taskQueue, bundle);
  const id = `big-cube-jobs-${Date.now()}`;
  const t0 = Date.now();
  const outcome = await worker.runUntil(
    startBuild(env.client, taskQueue, 'cube-jobs', id).then((h) =>
      h.result().then(
        () => 'succeeded',
        (e: unknown) => `failed: ${(e as Error).message}`,
      ),
    ),
  );
  const wallMs = Date.now() - t0;
  const events = await historyOf(env, id);
  await cube.stop();
  return {
    outcome,
    tokens: BIG_BUILD_TOKENS,
    historyBytes: historyBytes(events),
    events: events.length,
    wallMs,
  };
}

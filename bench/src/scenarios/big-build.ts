/**
 * Scenario 5: one build with thousands of tokens in each mode (its history size).
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

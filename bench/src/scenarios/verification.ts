/**
 * Scenario: what proving `done` costs. One build of ours of {@link VERIFIED_PARTITIONS} daily partitions
 * with and without `verify: { minRows: 1 }`, on a fake Cube and worker of its own: Cube requests per
 * verified partition (the `get`, the model read and the queries), the verification's own time (the
 * workflow's `verifying` step: this runs against the fake over loopback, so it is our side's cost;
 * a real Cube adds its query time, see the README), and the history events it adds.
 *
 * @module
 */
import { buildPreAggregations } from '@cube-jobs/temporal-workflows/workflow-safe';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyOf } from '../measure.js';
import type { VerificationResult } from '../results.js';
import { selector, startBenchCube, startBenchWorker } from '../setup.js';

/** Partitions of the verified build. */
export const VERIFIED_PARTITIONS = 120;

/** One build with `verify` and one without, side by side. */
export async function verificationCost(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  partitions: number = VERIFIED_PARTITIONS,
): Promise<VerificationResult> {
  const cube = await startBenchCube(partitions, 50);
  const taskQueue = 'bench-verification';
  const worker = await startBenchWorker(env, cube, taskQueue, bundle);
  const run = async (verify: boolean) => {
    const workflowId = `verification-${verify ? 'on' : 'off'}-${Date.now()}`;
    const from = cube.requests.length;
    const result = await env.client.workflow.execute(buildPreAggregations, {
      taskQueue,
      workflowId,
      args: [
        { selector, wait: { pollInterval: 100, maxPollInterval: 500 }, ...(verify ? { verify: { minRows: 1 } } : {}) },
      ],
    });
    return { result, requests: cube.requests.slice(from), events: await historyOf(env, workflowId) };
  };
  const [plain, verified] = await worker.runUntil(async () => [await run(false), await run(true)]);
  await cube.stop();
  // The verifying step: from its activity's scheduling to its completion, in the history.
  const scheduled = verified.events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'verifyPreAggregationJobs',
  );
  const completed = verified.events.find(
    (e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === scheduled?.eventId?.toString(),
  );
  const millis = (e: typeof scheduled) =>
    Number(e?.eventTime?.seconds ?? 0) * 1000 + Math.round((e?.eventTime?.nanos ?? 0) / 1e6);
  const [fromMs, toMs] = [millis(scheduled), millis(completed)];
  const during = verified.requests.filter((r) => r.atMs >= fromMs && r.atMs <= toMs);
  const count = (suffix: string) => during.filter((r) => r.path.endsWith(suffix)).length;
  const requests = { load: count('/v1/load'), meta: count('/v1/meta'), jobs: count('/jobs') };
  return {
    partitions,
    verified: verified.result.jobs.filter((job) => job.verification?.outcome === 'verified').length,
    requests,
    requestsPerPartition: (requests.load + requests.meta + requests.jobs) / partitions,
    verifyMs: scheduled && completed ? toMs - fromMs : Number.NaN,
    eventsWithout: plain.events.length,
    eventsWith: verified.events.length,
  };
}

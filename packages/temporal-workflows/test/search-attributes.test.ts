/**
 * Search attributes on a real dev server that has them registered: builds whose worker turned them on
 * upsert what they build and how they ended, a list query finds a failed build by pre-aggregation and
 * outcome, the history replays, and a worker that did not turn them on upserts nothing.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { CUBE_JOBS_SEARCH_ATTRIBUTES, cubeJobsPlugin, workflowsPath } from '../src/index.js';
import { findMissingSearchAttributes } from '../src/search-attributes-check.js';
import { buildPreAggregations, type BuildPreAggregationsInput } from '../src/workflow-safe.js';
import { baseSelector, startCube, useBuildEnvironment } from './environment.js';
import { ordersByMonth } from './selectors.js';

const build = useBuildEnvironment({ searchAttributes: Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES) });

const input: BuildPreAggregationsInput = {
  selector: { ...baseSelector, preAggregations: ['orders.by_month'] },
  wait: { pollInterval: 50 },
};

/** Runs one build of `orders.by_month` (three monthly partitions ending as `outcome` says) and returns its handle. */
async function runBuild(
  workflowId: string,
  outcome: Parameters<typeof ordersByMonth>[1],
  searchAttributes: boolean,
): Promise<WorkflowHandle<typeof buildPreAggregations>> {
  const { client } = await startCube({ model: ordersByMonth(['2024-01-01', '2024-03-31'], outcome) });
  const taskQueue = `search-attributes-${randomUUID()}`;
  const worker = await Worker.create({
    connection: build.env.nativeConnection,
    taskQueue,
    plugins: [cubeJobsPlugin({ client, searchAttributes })],
  });
  const handle = await build.env.client.workflow.start(buildPreAggregations, { taskQueue, workflowId, args: [input] });
  await worker.runUntil(handle.result().catch(() => undefined));
  return handle;
}

/** The workflow ids a visibility query finds, once the (eventually consistent) store shows `expected` of them. */
async function listIds(query: string, expected: number): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of build.env.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length >= expected || Date.now() > deadline) return ids.sort();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('search attributes', () => {
  test('a list query finds the failed build of a pre-aggregation, and the succeeded one apart', async () => {
    const prefix = `sa-${randomUUID()}`;
    const [succeeded, failed] = await Promise.all([
      runBuild(`${prefix}-ok`, () => ({ kind: 'done' }), true),
      runBuild(`${prefix}-failed`, 'disk full', true),
    ]);

    const attributes = (await failed.describe()).typedSearchAttributes;
    expect(attributes.get(CUBE_JOBS_SEARCH_ATTRIBUTES.targets)).toEqual([
      'preAggregation:orders.by_month',
      'cube:orders',
    ]);
    expect(attributes.get(CUBE_JOBS_SEARCH_ATTRIBUTES.phase)).toBe('failed');
    expect(attributes.get(CUBE_JOBS_SEARCH_ATTRIBUTES.failedJobs)).toBe(3);
    expect((await succeeded.describe()).typedSearchAttributes.get(CUBE_JOBS_SEARCH_ATTRIBUTES.failedJobs)).toBe(0);

    const ofThisTest = `WorkflowId STARTS_WITH '${prefix}' AND CubeJobsTargets = 'preAggregation:orders.by_month'`;
    expect(await listIds(`${ofThisTest} AND CubeJobsPhase = 'failed'`, 1)).toEqual([failed.workflowId]);
    expect(await listIds(`${ofThisTest} AND CubeJobsPhase = 'succeeded'`, 1)).toEqual([succeeded.workflowId]);
    expect(await listIds(`${ofThisTest} AND CubeJobsTargets = 'cube:orders' AND CubeJobsFailedJobs > 0`, 1)).toEqual([
      failed.workflowId,
    ]);

    // What the worker chose travels in history: the run replays with the same upserts.
    const history = await failed.fetchHistory();
    const upserts = history.events?.filter((event) => event.upsertWorkflowSearchAttributesEventAttributes) ?? [];
    expect(upserts).toHaveLength(2);
    await Worker.runReplayHistory({ workflowsPath }, history, failed.workflowId);
  });

  test('a worker without them turned on upserts nothing', async () => {
    const handle = await runBuild(`sa-off-${randomUUID()}`, () => ({ kind: 'done' }), false);
    const history = await handle.fetchHistory();
    expect(history.events?.some((event) => event.upsertWorkflowSearchAttributesEventAttributes)).toBe(false);
    expect((await handle.describe()).typedSearchAttributes.get(CUBE_JOBS_SEARCH_ATTRIBUTES.phase)).toBeUndefined();
  });

  test('the start check finds them all registered here', async () => {
    expect(await findMissingSearchAttributes(build.env.connection, 'default')).toEqual([]);
  });
});

/**
 * The `cube-jobs` Nexus service on a real dev server: a caller's workflow (on its own worker and task
 * queue) calls it through an endpoint, as another team's pipeline would. Concurrent callers share one
 * build, an invalid input is a BAD_REQUEST handler error naming the field, a failed build and an
 * unreachable Cube arrive as the build's typed failures, and `requestRefresh` completes with a build that
 * started after the request. (Callers from Python and another namespace: `npm run example:python`.)
 */
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { createCubeJobsClient } from '@cube-jobs/core';
import { freePort } from '@cube-jobs/testing';
import { cubeJobsPlugin } from '../src/index.js';
import { BuildResultSchema } from '../src/contract.js';
import { baseSelector, fastWait, startCube, useBuildEnvironment, workflowBundle } from './environment.js';
import { callCubeJobs } from './fixtures/nexus-caller-workflows.js';

const build = useBuildEnvironment();

/** Our worker with the Nexus service on a fresh task queue, its endpoint, and a caller's worker. */
async function serve(client: ReturnType<typeof createCubeJobsClient>) {
  const env = build.env;
  const taskQueue = `cube-jobs-${randomUUID()}`;
  const endpoint = `cube-jobs-${randomUUID().slice(0, 8)}`;
  await env.createNexusEndpoint(endpoint, taskQueue);
  const ours = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    plugins: [cubeJobsPlugin({ client, nexus: true })],
  });
  const callerQueue = `caller-${randomUUID()}`;
  const caller = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: callerQueue,
    workflowBundle: await callerBundle(),
  });
  const call = (operation: 'buildPreAggregations' | 'requestRefresh', input: unknown) =>
    env.client.workflow.execute(callCubeJobs, {
      taskQueue: callerQueue,
      workflowId: `caller-${randomUUID()}`,
      args: [endpoint, operation, input as never],
    });
  const running = <T>(work: Promise<T>) => ours.runUntil(caller.runUntil(work));
  return { call, running, taskQueue };
}

let callerBundlePromise: ReturnType<typeof bundleWorkflowCode> | undefined;
function callerBundle() {
  callerBundlePromise ??= bundleWorkflowCode({
    workflowsPath: new URL('./fixtures/nexus-caller-workflows.ts', import.meta.url).pathname,
    logger: new DefaultLogger('WARN'),
  });
  return callerBundlePromise;
}

describe('the cube-jobs Nexus service', () => {
  test('concurrent callers for one selector share one build and each gets its result', async () => {
    const { cube, client } = await startCube({ buildDurationMs: 500 });
    const { call, running } = await serve(client);
    const input = { selector: { ...baseSelector, preAggregations: ['orders.by_month'] }, wait: fastWait };
    const outcomes = await running(
      Promise.all([call('buildPreAggregations', input), call('buildPreAggregations', input)]),
    );
    expect(outcomes).toEqual([
      { ok: true, jobs: 6, startedAt: expect.any(String) },
      { ok: true, jobs: 6, startedAt: outcomes[0]?.ok ? outcomes[0].startedAt : '' },
    ]);
    expect(cube.posts()).toHaveLength(1);
  });

  test('tells an invalid input, a failed build and an unreachable Cube apart', async () => {
    const { client } = await startCube();
    const { call, running } = await serve(client);
    const [invalid, failed] = await running(
      Promise.all([
        call('buildPreAggregations', { selector: { contexts: [], timezones: ['UTC'] } }),
        call('buildPreAggregations', { selector: { ...baseSelector, cubes: ['broken'] }, wait: fastWait }),
      ]),
    );
    expect(invalid).toMatchObject({ ok: false, kind: 'handler', type: 'BAD_REQUEST' });
    expect(invalid.ok ? '' : invalid.message).toContain('input.selector.contexts');
    expect(failed).toMatchObject({ ok: false, kind: 'build', type: 'PreAggregationBuildFailedError' });

    const down = createCubeJobsClient({
      apiUrl: `http://127.0.0.1:${await freePort()}/cubejs-api`,
      apiSecret: 'x'.repeat(32),
    });
    const unreachable = await serve(down);
    const outage = await unreachable.running(
      unreachable.call('buildPreAggregations', { selector: baseSelector, wait: { ...fastWait, deadline: '3s' } }),
    );
    expect(outage).toMatchObject({ ok: false, kind: 'build', type: 'PreAggregationWaitTimeoutError' });
    expect(outage.ok ? '' : outage.message).toContain('Could not reach Cube');
  });

  test('requestRefresh completes with a build that started after the request', async () => {
    const { client } = await startCube({ buildDurationMs: 300 });
    const { call, running } = await serve(client);
    const requestedAt = Date.now();
    const outcome = await running(
      call('requestRefresh', { selector: { ...baseSelector, preAggregations: ['orders.by_status'] }, wait: fastWait }),
    );
    expect(outcome).toMatchObject({ ok: true, jobs: 1 });
    expect(Date.parse(outcome.ok ? outcome.startedAt : '')).toBeGreaterThanOrEqual(requestedAt - 1000);
  });
});

test('the contract schema reads a real result', async () => {
  const run = await build.run({ selector: { ...baseSelector, cubes: ['orders'] }, wait: fastWait });
  if (!run.ok) throw run.error;
  expect(BuildResultSchema.parse(run.value)).toEqual(run.value);
});

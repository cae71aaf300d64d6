/**
 * A worker killed with SIGKILL in the middle of a wait: a new worker takes the build over from the
 * heartbeat and finishes it without triggering again.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { spawnWorkerProcess } from '@cube-jobs/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildPreAggregations } from '../src/index.js';
import { baseSelector, createWorker, startCube, startTemporal } from './environment.js';

let env: TestWorkflowEnvironment;
let child: ChildProcess | undefined;
beforeAll(async () => {
  env = await startTemporal();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await env?.teardown();
});

test('SIGKILL mid-wait: a new worker finishes the build with exactly one POST', async () => {
  const { cube, client } = await startCube({ buildDurationMs: 2500, concurrency: 2 });
  const taskQueue = `crash-${Math.random().toString(36).slice(2)}`;
  const crashing = await spawnWorkerProcess({
    script: fileURLToPath(new URL('./fixtures/worker-process.mjs', import.meta.url)),
    env: {
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: taskQueue,
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: cube.apiSecret,
    },
  });
  child = crashing;

  const handle = await env.client.workflow.start(buildPreAggregations, {
    taskQueue,
    workflowId: `crash-${Date.now()}`,
    args: [
      {
        selector: { ...baseSelector, preAggregations: ['orders.by_month'] },
        wait: { pollInterval: 100, maxPollInterval: 300, heartbeatTimeout: '2s' },
      },
    ],
  });
  // Kill the worker once it is waiting (the post was made and polls are running).
  while (cube.requests.filter((r) => r.action === 'get').length < 2) await new Promise((r) => setTimeout(r, 20));
  const exited = once(crashing, 'exit');
  crashing.kill('SIGKILL');
  await exited;
  const getsBeforeKill = cube.requests.filter((r) => r.action === 'get').length;

  const { worker } = await createWorker(env, client, taskQueue);
  const result = await worker.runUntil(handle.result());
  await cube.stop();

  expect(result.outcome).toBe('succeeded');
  expect(result.jobs).toHaveLength(6);
  expect(result.jobs.map((job) => job.state)).toEqual(result.jobs.map(() => 'done'));
  expect(cube.posts()).toHaveLength(1);
  expect(cube.requests.filter((r) => r.action === 'get').length).toBeGreaterThan(getsBeforeKill);
  const history = await handle.fetchHistory();
  const timeouts = (history.events ?? []).filter((e) => e.activityTaskTimedOutEventAttributes).length;
  const retried = (history.events ?? []).some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  expect(timeouts + (retried ? 1 : 0)).toBeGreaterThan(0);
});

/**
 * A worker stopped in the middle of a wait, two ways. SIGKILL: a new worker takes the build over once
 * the heartbeat times out. SIGTERM (a deployment's rolling restart): the SDK shuts the worker down
 * gracefully, the wait activity gives up its attempt at once and another worker resumes it from the last
 * heartbeat without waiting for a timeout. Neither triggers the build again.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { spawnWorkerProcess } from '@cube-jobs/dev-tools';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildPreAggregations } from '../src/workflow-safe.js';
import { baseSelector, createWorker, startCube, startTemporal } from './environment.js';

let env: TestWorkflowEnvironment;
const children: ChildProcess[] = [];
beforeAll(async () => {
  env = await startTemporal();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await env?.teardown();
});

/** Starts a build on a worker in its own process, stops that worker with `signal` mid-wait, finishes on another. */
async function stopMidWait(signal: 'SIGKILL' | 'SIGTERM', heartbeatTimeout: string) {
  const { cube, client } = await startCube({ buildDurationMs: 2500, concurrency: 2 });
  const taskQueue = `crash-${Math.random().toString(36).slice(2)}`;
  const first = await spawnWorkerProcess({
    script: fileURLToPath(new URL('./fixtures/worker-process.mjs', import.meta.url)),
    env: {
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: taskQueue,
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: cube.apiSecret,
    },
  });
  children.push(first);

  const handle = await env.client.workflow.start(buildPreAggregations, {
    taskQueue,
    workflowId: `crash-${signal}-${Date.now()}`,
    args: [
      {
        selector: { ...baseSelector, preAggregations: ['orders.by_month'] },
        wait: { pollInterval: 100, maxPollInterval: 300, heartbeatTimeout },
      },
    ],
  });
  // Stop the worker once it is waiting (the post was made and polls are running).
  while (cube.requests.filter((r) => r.action === 'get').length < 2) await new Promise((r) => setTimeout(r, 20));
  const exited = once(first, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  first.kill(signal);
  const [exitCode] = await exited;
  const getsBeforeStop = cube.requests.filter((r) => r.action === 'get').length;

  const { worker } = await createWorker(env, client, taskQueue);
  const result = await worker.runUntil(handle.result());
  await cube.stop();

  expect(result.outcome).toBe('succeeded');
  expect(result.jobs).toHaveLength(6);
  expect(result.jobs.map((job) => job.state)).toEqual(result.jobs.map(() => 'done'));
  expect(cube.posts()).toHaveLength(1);
  expect(cube.requests.filter((r) => r.action === 'get').length).toBeGreaterThan(getsBeforeStop);
  const events = (await handle.fetchHistory()).events ?? [];
  const waitAttempts = events
    .filter((e) => e.activityTaskStartedEventAttributes)
    .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 1);
  const timedOut = events.filter((e) => e.activityTaskTimedOutEventAttributes).length;
  return { exitCode, waitAttempts, timedOut };
}

test('SIGKILL mid-wait: a new worker finishes the build with exactly one POST', async () => {
  const { waitAttempts, timedOut } = await stopMidWait('SIGKILL', '2s');
  // Taken over after the heartbeat timeout: a retried attempt (or a timed-out one).
  expect(timedOut + (Math.max(...waitAttempts) > 1 ? 1 : 0)).toBeGreaterThan(0);
});

test('SIGTERM mid-wait: the worker exits cleanly and another resumes at once with exactly one POST', async () => {
  // A heartbeat timeout longer than the test's budget: only a graceful hand-over can finish in time.
  const { exitCode, waitAttempts, timedOut } = await stopMidWait('SIGTERM', '5 minutes');
  expect(exitCode).toBe(0);
  expect(timedOut).toBe(0);
  expect(waitAttempts).toEqual([2]);
});

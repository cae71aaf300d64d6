/**
 * The README's operations examples (`src/operations.ts`, `scripts/rebuild-from-ci.sh`) on a real dev
 * server against the fake Cube, from the installed packages.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { createCubeJobsClient } from '@cube-jobs/core';
import { cubeJobsPlugin } from '@cube-jobs/temporal-workflows';
import { startFakeCube, type FakeCube } from '@cube-jobs/testing';
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterOrdersLoaded, scheduleNightlyBuild } from '../src/operations.js';
import { workflowBundlePath } from '../src/bundle.js';

let env: TestWorkflowEnvironment;
let cube: FakeCube;
before(async () => {
  env = await createLocalTestEnvironment();
  cube = await startFakeCube({ buildDurationMs: 100 });
});
after(async () => {
  await cube?.stop();
  await env?.teardown();
});

test('a nightly schedule: skip on overlap, Berlin time, driven through its ScheduleHandle', async () => {
  const schedule = await scheduleNightlyBuild(env.client, 'ops-test');
  const described = await schedule.describe();
  assert.equal(described.scheduleId, 'orders-nightly');
  assert.equal(described.policies.overlap, 'SKIP');
  assert.equal(described.spec.timezone, 'Europe/Berlin');
  const input = described.action.args?.[0] as { selector?: { cubes?: string[] } } | undefined;
  assert.deepEqual(input?.selector?.cubes, ['orders']);
  assert.equal(described.info.nextActionTimes.length > 0, true);
  await schedule.pause('quiet week');
  assert.equal((await schedule.describe()).state.paused, true);
  await schedule.delete();
});

test('fresh after the load: returns once a build that started after the call succeeded', async () => {
  const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'ops-test',
    workflowBundle: { codePath: workflowBundlePath },
    plugins: [cubeJobsPlugin({ client })],
  });
  const calledAt = Date.now();
  const outcome = await worker.runUntil(afterOrdersLoaded(env.client, 'ops-test'));
  assert.equal(outcome.outcome, 'succeeded');
  assert.equal(outcome.jobs, 6);
  assert.ok(Date.parse(outcome.startedAt) >= calledAt - 1000);
});

test('from CI: the script checks the setup and rebuilds one month, exit 0', async () => {
  const script = fileURLToPath(new URL('../../scripts/rebuild-from-ci.sh', import.meta.url));
  const posts = cube.posts().length;
  const { stdout } = await promisify(execFile)('bash', [script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, CUBE_API_URL: cube.url, CUBE_API_SECRET: cube.apiSecret, MONTH: '2024-02' },
  });
  assert.match(stdout, /✓ jobs scope: granted/);
  assert.match(stdout, /Succeeded: 1 job\(s\) done/);
  assert.equal(cube.posts().length, posts + 1);
  assert.ok(!stdout.includes(cube.apiSecret));
});

test("on call: the README's `cube-jobs build --temporal` line rebuilds one tenant's partition through the worker", async () => {
  const readme = await readFile(new URL('../../../../README.md', import.meta.url), 'utf8');
  const block = /<!-- on-call -->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const line = block.split('\n').find((l) => l.includes('npx cube-jobs build --temporal'));
  assert.ok(line, "the README's on-call block has a `npx cube-jobs build --temporal` line");
  const taskQueue = /TEMPORAL_TASK_QUEUE=(\S+)/.exec(line)?.[1] ?? '';
  assert.equal(taskQueue, 'nightly-pipeline', "the line names the example worker's task queue");
  const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath },
    plugins: [cubeJobsPlugin({ client })],
  });
  const posts = cube.posts().length;
  const { stdout } = await worker.runUntil(
    promisify(execFile)('sh', ['-c', line], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, CUBE_API_URL: cube.url, CUBE_API_SECRET: cube.apiSecret, TEMPORAL_ADDRESS: env.address },
    }),
  );
  assert.equal(cube.posts().length, posts + 1);
  const built = cube.jobs.slice(-1)[0];
  assert.deepEqual(built?.securityContext, { tenant: 'globex' });
  assert.match(stdout, /orders_by_month20240301/);
  assert.ok(!stdout.includes(cube.apiSecret));
});

/**
 * The pipeline on a real Temporal dev server against the fake Cube from `@cube-jobs/testing`, with the
 * worker as `npm run worker` creates it (plugin, pre-bundled workflow code).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeCube, type FakeCube } from '@cube-jobs/testing';
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PipelineReport } from '../src/activities.js';
import { createPipelineWorker } from '../src/worker.js';
import { nightlyPipeline } from '../src/workflows.js';

let env: TestWorkflowEnvironment;
let cube: FakeCube;
before(async () => {
  env = await createLocalTestEnvironment();
  cube = await startFakeCube({ buildDurationMs: 200 });
});
after(async () => {
  await cube?.stop();
  await env?.teardown();
});

test('loads data, rebuilds the month of orders.by_month per tenant, reports', async () => {
  const reports: PipelineReport[] = [];
  const worker = await createPipelineWorker({
    connection: env.nativeConnection,
    taskQueue: 'nightly-pipeline-test',
    cubeApiUrl: cube.url,
    cubeApiSecret: cube.apiSecret,
    reports,
  });
  const result = await worker.runUntil(
    env.client.workflow.execute(nightlyPipeline, {
      taskQueue: 'nightly-pipeline-test',
      workflowId: 'nightly-2024-02-15',
      args: [{ day: '2024-02-15', tenants: ['acme', 'globex'] }],
    }),
  );
  // One February partition per tenant, built once each.
  assert.deepEqual(result, { rowsLoaded: 1015, jobsBuilt: 2, outcome: 'succeeded' });
  assert.deepEqual(reports, [{ day: '2024-02-15', outcome: 'succeeded', jobs: 2 }]);
  const posts = cube.requests.filter((request) => (request.body as { action?: string }).action === 'post');
  assert.equal(posts.length, 1);
  const tenants = cube.jobs.map((job) => JSON.stringify(job.securityContext)).sort();
  assert.deepEqual(tenants, ['{"tenant":"acme"}', '{"tenant":"globex"}']);
});

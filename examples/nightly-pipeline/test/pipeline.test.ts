/**
 * The pipeline on a real Temporal dev server against the fake Cube from `@cube-jobs/testing`, with the
 * worker as `npm run worker` creates it (plugin, pre-bundled workflow code).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sampleModel, startFakeCube, type FakeCube } from '@cube-jobs/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
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

/** The worker as `npm run worker` creates it, reporting into `reports`. */
function startWorker(reports: PipelineReport[]) {
  return createPipelineWorker({
    connection: env.nativeConnection,
    taskQueue: 'nightly-pipeline-test',
    cubeApiUrl: cube.url,
    cubeApiSecret: cube.apiSecret,
    reports,
  });
}

test('loads data, rebuilds the month of orders.by_month per tenant, reports', async () => {
  const reports: PipelineReport[] = [];
  const worker = await startWorker(reports);
  const result = await worker.runUntil(
    env.client.workflow.execute(nightlyPipeline, {
      taskQueue: 'nightly-pipeline-test',
      workflowId: 'nightly-2024-02-15',
      args: [{ day: '2024-02-15', tenants: ['acme', 'globex'] }],
    }),
  );
  // One February partition per tenant, built once each.
  assert.deepEqual(result, { jobsBuilt: 2 });
  assert.deepEqual(reports, [{ day: '2024-02-15', outcome: 'succeeded', jobs: 2 }]);
  const posts = cube.requests.filter((request) => (request.body as { action?: string }).action === 'post');
  assert.equal(posts.length, 1);
  const tenants = cube.jobs.map((job) => JSON.stringify(job.securityContext)).sort();
  assert.deepEqual(tenants, ['{"tenant":"acme"}', '{"tenant":"globex"}']);
});

test('a failed build fails the pipeline with its own typed failure, naming every failed partition', async () => {
  const model = sampleModel();
  const orders = model.cubes.find((c) => c.name === 'orders');
  cube.setModel({
    cubes: [{ name: 'orders', preAggregations: orders!.preAggregations.map((p) => ({ ...p, outcome: 'disk full' })) }],
  });
  const reports: PipelineReport[] = [];
  const worker = await startWorker(reports);
  const error = await worker
    .runUntil(
      env.client.workflow.execute(nightlyPipeline, {
        taskQueue: 'nightly-pipeline-test',
        workflowId: 'nightly-2024-03-10',
        args: [{ day: '2024-03-10', tenants: ['acme', 'globex'] }],
      }),
    )
    .then(
      () => assert.fail('the pipeline succeeded'),
      (e: unknown) => e,
    );
  cube.setModel(model);
  assert.ok(error instanceof WorkflowFailedError);
  const failure = error.cause;
  assert.ok(failure instanceof ApplicationFailure);
  assert.equal(failure.type, 'PipelineBuildFailed');
  const { failedTables } = failure.details?.[0] as { failedTables: string[] };
  assert.equal(failedTables.length, 2);
  for (const table of failedTables) assert.match(table, /orders_by_month20240301_/);
  assert.match(failure.message, /\(failure: disk full\)/);
  assert.deepEqual(
    reports.map((r) => [r.outcome, r.jobs]),
    [['failed', 2]],
  );
});

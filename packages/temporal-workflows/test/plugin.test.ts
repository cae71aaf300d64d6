/**
 * The worker plugin and the ways a worker can be configured wrongly, on a real dev server: the plugin
 * alone runs a build, composes with a user's own workflows and activities, and a worker without the
 * activities fails the build at once with a message that says what to register.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createCubeJobsClient } from '@cube-jobs/core';
import { freePort } from '@cube-jobs/testing';
import { SimplePlugin } from '@temporalio/plugin';
import { Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { cubeJobsPlugin, CubeJobsSearchAttributesMissingError, workflowsPath } from '../src/index.js';
import { buildPreAggregations } from '../src/workflow-safe.js';
import { baseSelector, capturedLogs, failureOf, startCube, useBuildEnvironment } from './environment.js';

const build = useBuildEnvironment();
const userWorkflowsPath = fileURLToPath(new URL('./fixtures/user-workflows.ts', import.meta.url));

describe('cubeJobsPlugin', () => {
  test('one plugin entry registers the workflow and the activities', async () => {
    const { cube, client } = await startCube();
    const taskQueue = `plugin-${randomUUID()}`;
    const plugin = cubeJobsPlugin({ client });
    expect(plugin).toBeInstanceOf(SimplePlugin);
    expect(plugin.name).toBe('cube-jobs');
    const worker = await Worker.create({ connection: build.env.nativeConnection, taskQueue, plugins: [plugin] });
    const workflowId = `plugin-${randomUUID()}`;
    const result = await worker.runUntil(
      build.env.client.workflow.execute(buildPreAggregations, {
        taskQueue,
        workflowId,
        args: [{ selector: { ...baseSelector, cubes: ['orders'] }, wait: { pollInterval: 50 } }],
      }),
    );
    expect(result.outcome).toBe('succeeded');
    expect(result.jobs.length).toBe(cube.jobs.length);
    // Our log lines go through Temporal's logger, with the workflow's context and structured fields.
    const ended = capturedLogs.find((line) => line.startsWith('INFO Build ended ') && line.includes(workflowId));
    expect(JSON.parse(ended?.slice('INFO Build ended '.length) ?? '{}')).toMatchObject({
      workflowId,
      taskQueue,
      workflowType: 'buildPreAggregations',
      outcome: 'succeeded',
      selector: 'cubes orders · UTC',
      jobs: cube.jobs.length,
      notBuilt: 0,
      triggers: 1,
    });
    expect(
      cube.requests.filter((request) => (request.body as { action?: string } | undefined)?.action === 'post'),
    ).toHaveLength(1);
  });

  test("composes with a user's own workflows module and activities", async () => {
    const { cube, client } = await startCube();
    const taskQueue = `plugin-${randomUUID()}`;
    let loads = 0;
    const worker = await Worker.create({
      connection: build.env.nativeConnection,
      taskQueue,
      workflowsPath: userWorkflowsPath,
      activities: { loadData: () => Promise.resolve((loads += 1) * 100) },
      plugins: [cubeJobsPlugin({ client })],
    });
    const childId = `child-${randomUUID()}`;
    const result = await worker.runUntil(
      build.env.client.workflow.execute('userPipeline', {
        taskQueue,
        workflowId: `pipeline-${randomUUID()}`,
        args: [childId],
      }),
    );
    expect(result).toMatchObject({ rows: 100, build: { outcome: 'succeeded' } });
    expect(loads).toBe(1);
    expect(cube.jobs.length).toBeGreaterThan(0);
  });

  test('with search attributes on, a worker whose namespace lacks them fails at start, saying how to register them', async () => {
    const { cube, client } = await startCube();
    const worker = await Worker.create({
      connection: build.env.nativeConnection,
      taskQueue: `plugin-${randomUUID()}`,
      plugins: [cubeJobsPlugin({ client, searchAttributes: true })],
    });
    const error = await worker.run().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CubeJobsSearchAttributesMissingError);
    expect((error as CubeJobsSearchAttributesMissingError).missing).toEqual([
      'CubeJobsTargets (KeywordList)',
      'CubeJobsPhase (Keyword)',
      'CubeJobsFailedJobs (Int)',
    ]);
    expect((error as Error).message).toContain(
      'temporal operator search-attribute create --namespace default --name CubeJobsTargets --type KeywordList && temporal operator search-attribute create --namespace default --name CubeJobsPhase --type Keyword',
    );
    expect((error as Error).message).toContain(
      'tcld namespace search-attributes add --namespace default.<account> --sa "CubeJobsTargets=KeywordList" --sa "CubeJobsPhase=Keyword" --sa "CubeJobsFailedJobs=Int"',
    );
    expect(worker.getState()).toBe('STOPPED');
    expect(cube.requests).toHaveLength(0);
  });

  test('rejects a missing client at once', () => {
    expect(() => cubeJobsPlugin({} as never)).toThrow(/options\.client must be a client made by createCubeJobsClient/);
  });
});

describe('a worker without the activities', () => {
  test('fails the build at once, saying what to register', async () => {
    const taskQueue = `no-activities-${randomUUID()}`;
    const worker = await Worker.create({ connection: build.env.nativeConnection, taskQueue, workflowsPath });
    const started = Date.now();
    const outcome = await worker.runUntil(
      build.env.client.workflow
        .execute(buildPreAggregations, {
          taskQueue,
          workflowId: `no-activities-${randomUUID()}`,
          args: [{ selector: baseSelector }],
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        ),
    );
    const failure = failureOf(outcome);
    expect(failure.type).toBe('CubeJobsActivitiesMissingError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`task queue "${taskQueue}"`);
    expect(failure.message).toContain('cubeJobsPlugin({ client })');
    // One workflow task, not a retry loop.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('Cube unreachable when the build starts', () => {
  test('the trigger backs off on timers (no TMPRL1104) and the build fails naming Cube', async () => {
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}/cubejs-api`;
    const client = createCubeJobsClient({
      apiUrl,
      apiSecret: 'x'.repeat(32),
      timeoutMs: 2000,
      advanced: { maxRetries: 0 },
    });
    const taskQueue = `cube-down-${randomUUID()}`;
    const worker = await Worker.create({
      connection: build.env.nativeConnection,
      taskQueue,
      plugins: [cubeJobsPlugin({ client })],
    });
    const logsBefore = capturedLogs.length;
    const workflowId = `cube-down-${randomUUID()}`;
    const outcome = await worker.runUntil(
      build.env.client.workflow
        .execute(buildPreAggregations, {
          taskQueue,
          workflowId,
          args: [{ selector: baseSelector, wait: { deadline: '12s' } }],
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        ),
    );
    const failure = failureOf(outcome);
    expect(failure.type).toBe('PreAggregationWaitTimeoutError');
    expect(failure.message).toContain(`${apiUrl}/v1/pre-aggregations/jobs`);
    expect(capturedLogs.slice(logsBefore).filter((line) => line.includes('TMPRL1104'))).toEqual([]);
    const history = await build.env.client.workflow.getHandle(workflowId).fetchHistory();
    const timers = (history.events ?? []).filter((event) => event.timerStartedEventAttributes);
    // Each backoff after the first is a durable timer between workflow tasks.
    expect(timers.length).toBeGreaterThanOrEqual(2);
  });
});

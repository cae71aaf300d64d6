/**
 * Operating builds on a real dev server against the fake Cube: schedules (they fire, overlap is
 * honoured, pause and delete), backfill (each partition built once, in a bounded number of builds), and
 * fresh-on-demand refresh (concurrent requests coalesce into one follow-up build).
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { CubeJobsValidationError } from '@cube-jobs/core';
import { backfillRanges } from '../src/backfill.js';
import { backfillBuilds, createBuildSchedule, cubeJobsPlugin, requestRefresh } from '../src/index.js';
import { refreshWorkflowId, sendRefreshRequest, waitForRefresh } from '../src/refresh-client.js';
import { getRefreshState } from '../src/workflows.js';
import { baseSelector, startCube, useBuildEnvironment, workflowBundle } from './environment.js';
import { ordersByMonth } from './selectors.js';

const build = useBuildEnvironment();
const byMonth = { ...baseSelector, preAggregations: ['orders.by_month'] };
const posts = (cube: { requests: ReadonlyArray<{ body: unknown }> }) =>
  cube.requests.filter((request) => (request.body as { action?: string } | undefined)?.action === 'post');
const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** A worker with the plugin on pre-bundled code, on a fresh task queue. */
async function pluginWorker(client: Parameters<typeof cubeJobsPlugin>[0]['client']) {
  const taskQueue = `ops-${randomUUID()}`;
  const worker = await Worker.create({
    connection: build.env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    plugins: [cubeJobsPlugin({ client })],
  });
  return { worker, taskQueue };
}

describe('backfillRanges', () => {
  test('every month of 2024 in at most 5 builds of whole months', () => {
    expect(backfillRanges('2024-01-15', '2024-12-31', 'month', 5)).toEqual([
      ['2024-01-01', '2024-03-31'],
      ['2024-04-01', '2024-06-30'],
      ['2024-07-01', '2024-09-30'],
      ['2024-10-01', '2024-12-31'],
    ]);
  });

  test('weeks start on Monday; days and one build', () => {
    expect(backfillRanges('2024-01-03', '2024-01-16', 'week', 10)).toEqual([
      ['2024-01-01', '2024-01-07'],
      ['2024-01-08', '2024-01-14'],
      ['2024-01-15', '2024-01-21'],
    ]);
    expect(backfillRanges('2024-02-27', '2024-03-02', 'day', 1)).toEqual([['2024-02-27', '2024-03-02']]);
  });

  test('bad input names each field', () => {
    expect(() => backfillRanges('2024-13-01', '2023-01-01', 'fortnight' as never, 0)).toThrow(CubeJobsValidationError);
    try {
      backfillRanges('2024-13-01', '2023-01-01', 'fortnight' as never, 0);
    } catch (error) {
      expect((error as CubeJobsValidationError).issues.map((issue) => issue.path)).toEqual([
        'from',
        'granularity',
        'maxBuilds',
      ]);
    }
  });
});

describe('backfillBuilds', () => {
  test('rebuilds six months as three builds, each partition once', async () => {
    const { cube, client } = await startCube({ buildDurationMs: 50 });
    const { worker, taskQueue } = await pluginWorker(client);
    const builds = await worker.runUntil(
      backfillBuilds(build.env.client, {
        selector: byMonth,
        from: '2024-01-01',
        to: '2024-06-30',
        granularity: 'month',
        maxBuilds: 3,
        taskQueue,
        deployment: randomUUID(),
        wait: { pollInterval: 50 },
      }),
    );
    expect(builds.map((b) => [b.dateRange, b.outcome, b.jobs])).toEqual([
      [['2024-01-01', '2024-02-29'], 'succeeded', 2],
      [['2024-03-01', '2024-04-30'], 'succeeded', 2],
      [['2024-05-01', '2024-06-30'], 'succeeded', 2],
    ]);
    expect(posts(cube)).toHaveLength(3);
    const starts = cube.jobs.map((job) => job.partitionStart).sort();
    expect(starts).toHaveLength(6);
    expect(new Set(starts).size).toBe(6);
  });
});

describe('createBuildSchedule', () => {
  test('fires, skips a run while one still builds; its ScheduleHandle describes, pauses and deletes', async () => {
    const { cube, client } = await startCube({ buildDurationMs: 4000 });
    const { worker, taskQueue } = await pluginWorker(client);
    const scheduleId = `orders-${randomUUID()}`;
    await worker.runUntil(async () => {
      const schedule = await createBuildSchedule(build.env.client, {
        scheduleId,
        selector: { ...baseSelector, preAggregations: ['orders.by_status'] },
        spec: { every: '1s' },
        taskQueue,
        wait: { pollInterval: 100 },
        verify: { minRows: 1 },
      });
      expect(schedule.scheduleId).toBe(scheduleId);
      // While the first build runs (4 s), runs falling due are skipped (overlap: SKIP).
      await until(async () => (await schedule.describe()).info.numActionsSkippedOverlap >= 2);
      const described = await schedule.describe();
      expect(described.info.numActionsTaken).toBe(1);
      expect(described.info.runningActions.map((run) => run.workflow.workflowId)).toEqual([
        expect.stringMatching(new RegExp(`^${scheduleId}-`)),
      ]);
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'buildPreAggregations',
        args: [{ selector: { preAggregations: ['orders.by_status'] }, verify: { minRows: 1 } }],
      });
      expect(posts(cube)).toHaveLength(1);
      // Temporal's list finds it by its workflow type (what `cube-jobs schedule list` filters on).
      const listed: string[] = [];
      for await (const summary of build.env.client.schedule.list()) {
        if (summary.action?.type === 'startWorkflow' && summary.action.workflowType === 'buildPreAggregations')
          listed.push(summary.scheduleId);
      }
      expect(listed).toContain(scheduleId);

      await schedule.pause('maintenance');
      const paused = await schedule.describe();
      expect([paused.state.paused, paused.state.note]).toEqual([true, 'maintenance']);
      await build.env.client.schedule.getHandle(scheduleId).unpause();
      expect((await schedule.describe()).state.paused).toBe(false);

      await schedule.delete();
      await expect(schedule.describe()).rejects.toThrow(ScheduleNotFoundError);
    });
  });

  test('rejects a bad spec and selector before creating anything', async () => {
    const scheduleId = `bad-${randomUUID()}`;
    const attempt = createBuildSchedule(build.env.client, {
      scheduleId,
      selector: { contexts: [], timezones: ['UTC'] },
      spec: { timezone: 'Mars/Olympus' },
    });
    await expect(attempt).rejects.toThrow(CubeJobsValidationError);
    await attempt.catch((error: CubeJobsValidationError) => {
      expect(error.issues.map((issue) => issue.path)).toEqual(['spec', 'spec.timezone', 'selector.contexts']);
    });
    await expect(build.env.client.schedule.getHandle(scheduleId).describe()).rejects.toThrow(ScheduleNotFoundError);
  });
});

describe('requestRefresh', () => {
  test('50 requests during a build give exactly one more build, and each returns after it', async () => {
    // One partition that builds for 8 s, on a fake clock that stands still until the 50 requests are in:
    // they all arrive while it runs, however slowly a busy server takes them (on the cluster in CI, 50
    // update-with-starts once took longer than the build).
    const byStatus = { ...baseSelector, preAggregations: ['orders.by_status'] };
    let stoppedAtMs: number | undefined = Date.now();
    const { cube, client } = await startCube({
      buildDurationMs: 8000,
      clock: { now: () => stoppedAtMs ?? Date.now() },
    });
    const { worker, taskQueue } = await pluginWorker(client);
    const deployment = randomUUID();
    const options = { taskQueue, deployment, wait: { pollInterval: 100 } } as const;
    await worker.runUntil(async () => {
      const first = requestRefresh(build.env.client, byStatus, options);
      await until(() => posts(cube).length === 1);
      const sent = await Promise.all(
        Array.from({ length: 50 }, () => sendRefreshRequest(build.env.client, byStatus, options)),
      );
      const refresh = build.env.client.workflow.getHandle(refreshWorkflowId(byStatus, { deployment }));
      expect(await refresh.query(getRefreshState)).toMatchObject({ builds: 1, building: true, requested: 51 });
      expect(new Set(sent.map((ticket) => ticket.build))).toEqual(new Set([2]));
      stoppedAtMs = undefined;

      const outcomes = await Promise.all(sent.map((ticket) => waitForRefresh(build.env.client, ticket)));
      const firstOutcome = await first;
      expect(firstOutcome).toMatchObject({ request: 1, build: 1, outcome: 'succeeded', jobs: 1 });
      // Every request made while build 1 ran is answered by build 2, which started after all of them.
      expect(new Set(outcomes.map((outcome) => outcome.buildWorkflowId))).toEqual(new Set([sent[0]?.buildWorkflowId]));
      expect(outcomes.map((outcome) => outcome.request).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 2),
      );
      expect(Date.parse(outcomes[0]?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(firstOutcome.finishedAt));
      expect(posts(cube)).toHaveLength(2);
      // The callers read the build's result; the refresh workflow records it a moment later.
      await until(async () => !(await refresh.query(getRefreshState)).building);
      expect(await refresh.query(getRefreshState)).toEqual({ requested: 51, covered: 51, builds: 2, building: false });
    });
  });

  test('continues as new after maxBuildsPerRun builds and keeps serving requests', async () => {
    const { cube, client } = await startCube({ buildDurationMs: 20 });
    const { worker, taskQueue } = await pluginWorker(client);
    const deployment = randomUUID();
    const selector = { ...baseSelector, preAggregations: ['orders.by_status'] };
    await worker.runUntil(async () => {
      const outcomes = [];
      for (let i = 0; i < 5; i += 1) {
        const sent = await sendRefreshRequest(build.env.client, selector, {
          taskQueue,
          deployment,
          maxBuildsPerRun: 2,
        });
        outcomes.push(await waitForRefresh(build.env.client, sent, { startCheckIntervalMs: 100 }));
      }
      expect(outcomes.map((outcome) => outcome.build)).toEqual([1, 2, 3, 4, 5]);
      expect(posts(cube)).toHaveLength(5);
      const refresh = build.env.client.workflow.getHandle(refreshWorkflowId(selector, { deployment }));
      await until(async () => (await refresh.query(getRefreshState)).covered === 5);
      // Five builds at two per run: at least three runs, counted back from the current one through each
      // run's start event (history, not the eventually consistent visibility store).
      const runs = new Set<string>();
      for (let runId: string | undefined = (await refresh.describe()).runId; runId;) {
        runs.add(runId);
        const history = await build.env.client.workflow.getHandle(refresh.workflowId, runId).fetchHistory();
        runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      }
      expect(runs.size).toBeGreaterThanOrEqual(3);
    });
  }, 120_000);

  test('continues as new at maxBuildsPerRun even when a request is pending as the build ends', async () => {
    const { cube, client } = await startCube({ buildDurationMs: 1500 });
    const { worker, taskQueue } = await pluginWorker(client);
    const deployment = randomUUID();
    const selector = { ...baseSelector, preAggregations: ['orders.by_status'] };
    await worker.runUntil(async () => {
      const options = { taskQueue, deployment, maxBuildsPerRun: 1 };
      const first = await sendRefreshRequest(build.env.client, selector, options);
      // Sent while the first build runs (it lasts 1.5 s): pending when that build ends.
      const second = await sendRefreshRequest(build.env.client, selector, options);
      expect([first.build, second.build]).toEqual([1, 2]);
      const outcome = await waitForRefresh(build.env.client, second, { startCheckIntervalMs: 100 });
      expect(outcome.build).toBe(2);
      expect(posts(cube)).toHaveLength(2);
      // Each build's parent is the refresh run that started it: the second ran in a run of its own.
      const parentRun = async (buildWorkflowId: string) =>
        (await build.env.client.workflow.getHandle(buildWorkflowId).describe()).parentExecution?.runId;
      const [firstRun, secondRun] = await Promise.all([
        parentRun(first.buildWorkflowId),
        parentRun(second.buildWorkflowId),
      ]);
      expect(firstRun).toBeTruthy();
      expect(secondRun).toBeTruthy();
      expect(secondRun).not.toBe(firstRun);
    });
  });

  test("a failed build fails its callers' requests with the build's typed failure", async () => {
    const { client } = await startCube({ model: ordersByMonth(['2024-01-01', '2024-02-29'], 'disk full') });
    const { worker, taskQueue } = await pluginWorker(client);
    const error = await worker.runUntil(
      requestRefresh(build.env.client, byMonth, {
        taskQueue,
        deployment: randomUUID(),
        wait: { pollInterval: 50 },
      }).then(
        () => undefined,
        (failure: unknown) => failure,
      ),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('PreAggregationBuildFailedError');
    expect((cause as ApplicationFailure).message).toContain('disk full');
  });
});

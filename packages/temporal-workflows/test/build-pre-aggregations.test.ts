/**
 * buildPreAggregations against a real Temporal dev server and the fake Cube over loopback, with the
 * real activities.
 */
import { describe, expect, test } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { buildWorkflowId, describeBuildProgress } from '../src/index.js';
import { buildPreAggregations, getBuildProgress, type BuildPreAggregationsInput } from '../src/workflow-safe.js';
import { baseSelector, createWorker, failureOf, fastWait, startCube, useBuildEnvironment } from './environment.js';
import { equalSelectors, ordersByMonth } from './selectors.js';

const EventType = temporal.api.enums.v1.EventType;

const devServer = useBuildEnvironment();
const run = devServer.run;

describe('buildPreAggregations', () => {
  test('triggers once, waits, and returns every job with its table', async () => {
    const result = await run({ selector: { ...baseSelector, cubes: ['orders'] }, wait: fastWait }, { concurrency: 2 });
    if (!result.ok) throw result.error; // the workflow's own failure says what went wrong
    expect(result.value.outcome).toBe('succeeded');
    expect(result.value.jobs).toHaveLength(7);
    for (const job of result.value.jobs)
      expect(job).toMatchObject({ state: 'done', table: expect.stringMatching(/^prod_pre_aggregations\.orders_/) });
    expect(result.value.counts.done).toBe(7);
    expect(result.value.triggers).toBe(1);
    expect(result.cube.posts()).toHaveLength(1);
    expect(result.value.polls).toBeGreaterThan(0);
  });

  test('fails listing every failed partition', async () => {
    const result = await run(
      { selector: { ...baseSelector, preAggregations: ['orders.by_month'] }, wait: fastWait },
      {
        model: ordersByMonth(['2024-01-01', '2024-04-30'], (p) =>
          p.partitionStart?.startsWith('2024-02') || p.partitionStart?.startsWith('2024-04')
            ? { kind: 'failure', message: 'disk full' }
            : { kind: 'done' },
        ),
      },
    );
    if (result.ok) expect.fail(`expected the build to fail, it succeeded: ${JSON.stringify(result.value.counts)}`);
    const failure = failureOf(result.error);
    expect(failure.type).toBe('PreAggregationBuildFailedError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/2 pre-aggregation job\(s\) failed/);
    expect(failure.message).toContain('orders_by_month20240201');
    expect(failure.message).toContain('orders_by_month20240401');
    const details = failure.details?.[0] as { failedJobs: Array<{ status: string; table: string }> };
    expect(details.failedJobs.map((j) => j.status)).toEqual(['failure: disk full', 'failure: disk full']);
    expect(result.cube.posts()).toHaveLength(1);
  });
});

describe('wait options', () => {
  test('hands the poll schedule and the given policy to the waiting activity, leaving the rest to its defaults', async () => {
    const wait = { pollInterval: 60, maxPollInterval: 300, heartbeatTimeout: '5s' } as const;
    const policy = { onNotFound: 'fail', ambiguousConfirm: '2s' } as const;
    const result = await run({ selector: { ...baseSelector, cubes: ['customers'] }, wait, policy });
    if (!result.ok) throw result.error;
    const history = await devServer.env.client.workflow.getHandle(result.workflowId).fetchHistory();
    const scheduled = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .find((a) => a?.activityType?.name === 'waitForPreAggregationJobs');
    const payload = scheduled?.input?.payloads?.[0];
    const input = payload
      ? defaultPayloadConverter.fromPayload<{ schedule: unknown; policy: unknown }>(payload)
      : undefined;
    expect(input?.schedule).toEqual({ initialPollIntervalMs: 60, maxPollIntervalMs: 300 });
    expect(input?.policy).toEqual({ onNotFound: 'fail', ambiguousConfirmMs: 2000 });
  });
});

describe('deadline, cancellation, progress, input', () => {
  test('a deadline ends the wait with a typed failure', async () => {
    const result = await run(
      { selector: { ...baseSelector, cubes: ['customers'] }, wait: { ...fastWait, deadline: '1s' } },
      { buildDurationMs: 60_000 },
    );
    if (result.ok) expect.fail(`expected the build to fail, it succeeded: ${JSON.stringify(result.value.counts)}`);
    expect(failureOf(result.error).type).toBe('PreAggregationWaitTimeoutError');
  });

  test('a trigger Cube keeps refusing is tried until the deadline, then fails typed', async () => {
    const refusing = {
      faults: [
        { kind: 'http-error' as const, status: 503, action: 'post' as const, body: { error: 'Cube is restarting' } },
      ],
    };
    const result = await run(
      { selector: { ...baseSelector, cubes: ['customers'] }, wait: { ...fastWait, deadline: '4s' } },
      refusing,
    );
    if (result.ok) expect.fail(`expected the build to fail, it succeeded: ${JSON.stringify(result.value.counts)}`);
    const failure = failureOf(result.error);
    expect(failure.type).toBe('PreAggregationWaitTimeoutError');
    expect(failure.message).toContain('The deadline passed while triggering');
    expect(failure.message).toContain('Cube is restarting');
    // 1 s, 2 s, then the deadline: more than one attempt, no job ever created.
    expect(result.cube.requests.filter((r) => r.action === 'post').length).toBeGreaterThanOrEqual(2);
    expect(result.cube.posts()).toHaveLength(0);
  });

  test('a trigger refused a few times succeeds once Cube answers', async () => {
    const flaky = { faults: [{ kind: 'http-error' as const, status: 503, action: 'post' as const, times: 2 }] };
    const result = await run(
      { selector: { ...baseSelector, cubes: ['customers'] }, wait: { ...fastWait, deadline: '1m' } },
      flaky,
    );
    if (!result.ok) throw result.error; // the workflow's own failure says what went wrong
    expect(result.value.triggers).toBe(1);
    expect(result.cube.requests.filter((r) => r.action === 'post')).toHaveLength(3);
  });

  test('getBuildProgress and live progress answer during a build; cancellation stops the wait promptly', async () => {
    const started = await startCube({ buildDurationMs: 60_000 });
    const { worker, taskQueue } = await createWorker(devServer.env, started.client);
    await worker.runUntil(async () => {
      const handle = await devServer.env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `cancel-${Math.random().toString(36).slice(2)}`,
        args: [{ selector: { ...baseSelector, preAggregations: ['orders.by_month'] }, wait: fastWait }],
      });
      let progress = await handle.query(getBuildProgress);
      for (let i = 0; i < 100 && progress.phase !== 'waiting'; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        progress = await handle.query(getBuildProgress);
      }
      expect(progress.phase).toBe('waiting');
      expect(progress.jobs).toHaveLength(6);
      expect(progress.triggers).toBe(1);
      expect(progress.elapsedMs).toBeGreaterThanOrEqual(0);
      let live = await describeBuildProgress(handle);
      for (let i = 0; i < 100 && live.livePolls === 0; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        live = await describeBuildProgress(handle);
      }
      // The fake builds two partitions at a time; the heartbeat shows it before the workflow knows.
      expect(live.counts).toMatchObject({ processing: 2, scheduled: 4 });
      for (const job of live.jobs.filter((j) => j.state === 'processing'))
        expect(job.table).toContain('orders_by_month2024');
      expect(live.waitAttempt).toBe(1);
      const cancelledAt = Date.now();
      await handle.cancel();
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(Date.now() - cancelledAt).toBeLessThan(10_000);
      expect((await handle.query(getBuildProgress)).phase).toBe('cancelled');
      const history = await handle.fetchHistory();
      const types = (history.events ?? []).map((e) => e.eventType);
      // The build ends without waiting for the activity's acknowledgement (its next heartbeat).
      expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED);
      expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED);
    });
  });

  test('invalid input fails fast, naming the fields, with no request to Cube', async () => {
    const result = await run({
      selector: { contexts: [], timezones: ['+05:00'] },
      wait: { pollInterval: '-1s', mode: 'sometimes' },
      policy: { maxRetriggers: -1 },
    } as unknown as BuildPreAggregationsInput);
    if (result.ok) expect.fail(`expected the build to fail, it succeeded: ${JSON.stringify(result.value.counts)}`);
    const failure = failureOf(result.error);
    expect(failure.type).toBe('CubeJobsValidationError');
    for (const path of [
      'input.selector.contexts',
      'input.selector.timezones[0]',
      'input.wait.pollInterval',
      'input.wait.mode',
      'input.policy.maxRetriggers',
    ]) {
      expect(failure.message).toContain(path);
    }
    expect(result.cube.requests).toHaveLength(0);
  });
});

describe('deterministic workflow ids', () => {
  test('a second start of an equal selector attaches to the running build', async () => {
    const { a, b } = equalSelectors;
    const started = await startCube({ buildDurationMs: 500 });
    const { worker, taskQueue } = await createWorker(devServer.env, started.client);
    const workflowId = buildWorkflowId(a, { deployment: `t-${Date.now()}` });
    await worker.runUntil(async () => {
      const options = { taskQueue, workflowId, workflowIdConflictPolicy: 'USE_EXISTING' as const };
      const first = await devServer.env.client.workflow.start(buildPreAggregations, {
        ...options,
        args: [{ selector: a, wait: fastWait }],
      });
      const second = await devServer.env.client.workflow.start(buildPreAggregations, {
        ...options,
        args: [{ selector: b, wait: fastWait }],
      });
      expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
      await first.result();
    });
    expect(started.cube.posts()).toHaveLength(1);
  });
});

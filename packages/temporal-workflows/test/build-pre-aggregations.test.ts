/**
 * buildPreAggregations against a real Temporal dev server and the fake Cube over loopback, with the
 * real activities.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FakeCube } from '@cube-jobs/testing';
import { buildPreAggregations, buildWorkflowId, describeBuildProgress, getBuildProgress, type BuildPreAggregationsInput } from '../src/index.js';
import { baseSelector, createWorker, fastWait, startCube, startTemporal } from './environment.js';

const EventType = temporal.api.enums.v1.EventType;

let env: TestWorkflowEnvironment;
let cube: FakeCube | undefined;
beforeAll(async () => {
  env = await startTemporal();
});
afterAll(async () => {
  await env?.teardown();
});
afterEach(async () => {
  await cube?.stop();
  cube = undefined;
});

async function run(input: BuildPreAggregationsInput, cubeOptions: Parameters<typeof startCube>[0] = {}) {
  const started = await startCube(cubeOptions);
  cube = started.cube;
  const { worker, taskQueue } = await createWorker(env, started.client);
  const workflowId = `test-${Math.random().toString(36).slice(2)}`;
  const outcome = await worker.runUntil(
    env.client.workflow
      .execute(buildPreAggregations, { taskQueue, workflowId, args: [input] })
      .then((value) => ({ ok: true as const, value }))
      .catch((error: unknown) => ({ ok: false as const, error })),
  );
  return { ...outcome, cube: started.cube, workflowId };
}

function failureOf(error: unknown): ApplicationFailure {
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe.each(['heartbeat', 'timer'] as const)('buildPreAggregations (%s mode)', (mode) => {
  test('triggers once, waits, and returns every job with its table', async () => {
    const result = await run({ selector: { ...baseSelector, cubes: ['orders'] }, wait: { ...fastWait, mode } }, { concurrency: 2 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.outcome).toBe('succeeded');
    expect(result.value.jobs).toHaveLength(7);
    expect(result.value.jobs.every((job) => job.state === 'done' && job.table?.startsWith('prod_pre_aggregations.orders_'))).toBe(true);
    expect(result.value.counts.done).toBe(7);
    expect(result.value.triggers).toBe(1);
    expect(result.cube.posts()).toHaveLength(1);
    expect(result.value.polls).toBeGreaterThan(0);
  });

  test('fails listing every failed partition', async () => {
    const result = await run(
      { selector: { ...baseSelector, preAggregations: ['orders.by_month'] }, wait: { ...fastWait, mode } },
      {
        model: {
          cubes: [
            {
              name: 'orders',
              preAggregations: [
                {
                  name: 'by_month',
                  partitionGranularity: 'month',
                  buildRange: ['2024-01-01', '2024-04-30'],
                  outcome: (p) => (p.partitionStart?.startsWith('2024-02') || p.partitionStart?.startsWith('2024-04') ? { kind: 'failure', message: 'disk full' } : { kind: 'done' }),
                },
              ],
            },
          ],
        },
      },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
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

describe('timer mode over a long wait', () => {
  test('continues as new before history grows large, and still triggers once', async () => {
    const result = await run(
      { selector: { ...baseSelector, cubes: ['customers'] }, wait: { mode: 'timer', pollInterval: 100, maxPollInterval: 100, maxHistoryEvents: 20 } },
      { buildDurationMs: 4000 },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.runs).toBeGreaterThan(1);
    expect(result.value.jobs.map((j) => j.state)).toEqual(['done']);
    expect(result.cube.posts()).toHaveLength(1);
    const history = await env.client.workflow.getHandle(result.workflowId).fetchHistory();
    expect((history.events ?? []).length).toBeLessThan(40);
  });
});

describe('policies for ambiguous and failed jobs', () => {
  /** A model whose `by_month` February partition ends with `outcomes[n]` on its n-th build. */
  function flaky(outcomes: Array<'done' | 'missing_partition' | 'failure'>, failureMessage = 'flaky') {
    let builds = 0;
    return {
      model: {
        cubes: [
          {
            name: 'orders',
            preAggregations: [
              {
                name: 'by_month',
                partitionGranularity: 'month' as const,
                buildRange: ['2024-01-01', '2024-03-31'] as [string, string],
                outcome: (p: { partitionStart: string | undefined }) => {
                  if (!p.partitionStart?.startsWith('2024-02')) return { kind: 'done' as const };
                  const kind = outcomes[Math.min(builds++, outcomes.length - 1)] ?? 'done';
                  return kind === 'failure' ? { kind, message: failureMessage } : { kind };
                },
              },
            ],
          },
        ],
      },
    };
  }
  const selector = { ...baseSelector, preAggregations: ['orders.by_month'] };

  test('missing_partition with retrigger posts again for that partition only', async () => {
    const result = await run({ selector, wait: fastWait, policy: { onMissingPartition: 'retrigger', ambiguousConfirm: 300 } }, flaky(['missing_partition', 'done']));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.triggers).toBe(2);
    expect(result.value.retriggeredJobs).toBe(1);
    const posts = result.cube.posts();
    expect(posts).toHaveLength(2);
    expect((posts[1]?.body as { selector: unknown }).selector).toEqual({
      contexts: [{ securityContext: {} }],
      timezones: ['UTC'],
      preAggregations: ['orders.by_month'],
      dateRange: ['2024-02-01T00:00:00.000', '2024-02-01T00:00:00.000'],
    });
    expect(posts[1]?.issuedTokens).toHaveLength(1);
    expect(result.value.jobs.map((j) => [j.state, j.attempt])).toEqual([
      ['done', 1],
      ['done', 1],
      ['done', 2],
    ]);
  });

  test('missing_partition with fail is a typed failure naming the job', async () => {
    const result = await run({ selector, wait: fastWait, policy: { onMissingPartition: 'fail', ambiguousConfirm: 300 } }, flaky(['missing_partition']));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const failure = failureOf(result.error);
    expect(failure.type).toBe('PreAggregationBuildFailedError');
    expect(failure.message).toContain('missing_partition');
    expect(failure.message).toContain('orders_by_month20240201');
  });

  test('missing_partition with wait fails after the grace period', async () => {
    const result = await run({ selector, wait: fastWait, policy: { onMissingPartition: 'wait', ambiguousGrace: 300 } }, flaky(['missing_partition']));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(failureOf(result.error).message).toContain('missing_partition');
    expect(result.cube.posts()).toHaveLength(1);
  });

  test('failure with onFailure retrigger rebuilds the failed partition and succeeds', async () => {
    const result = await run({ selector, wait: fastWait, policy: { onFailure: 'retrigger' } }, flaky(['failure', 'done']));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.triggers).toBe(2);
  });

  test('a same-second collision (`already exists`) is built again a second later, even with onFailure fail', async () => {
    const collision = 'Catalog Error: Table with name "orders_by_month20240201_x_y_z" already exists!';
    const result = await run({ selector, wait: fastWait, policy: { onFailure: 'fail' } }, flaky(['failure', 'done'], collision));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.triggers).toBe(2);
    const posts = result.cube.posts();
    expect((posts[1]?.atMs ?? 0) - (posts[0]?.atMs ?? 0)).toBeGreaterThanOrEqual(1100);
  });

  test('the retrigger budget is bounded', async () => {
    const result = await run({ selector, wait: fastWait, policy: { onFailure: 'retrigger', maxRetriggers: 2 } }, flaky(['failure']));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(failureOf(result.error).message).toContain('triggered again 2 time(s) already');
    expect(result.cube.posts()).toHaveLength(3);
  });
});

describe('Cube restart mid-build', () => {
  async function restartMidBuild(policy: BuildPreAggregationsInput['policy']) {
    const started = await startCube({ buildDurationMs: 1500, concurrency: 4 });
    cube = started.cube;
    const { worker, taskQueue } = await createWorker(env, started.client);
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `restart-${Math.random().toString(36).slice(2)}`,
        args: [{ selector: { ...baseSelector, preAggregations: ['orders.by_month'] }, wait: fastWait, ...(policy ? { policy } : {}) }],
      });
      // Let the first poll see every job (so their targets are known), then lose them all.
      while (!started.cube.requests.some((r) => r.action === 'get' && r.status === 200)) await new Promise((r) => setTimeout(r, 20));
      await started.cube.restart({ downtimeMs: 200 });
      return handle.result().then((value) => ({ ok: true as const, value })).catch((error: unknown) => ({ ok: false as const, error }));
    });
  }

  test('retriggers each lost job once, narrowed to its partition', async () => {
    const result = await restartMidBuild(undefined);
    if (!result.ok) throw result.error;
    if (!result.ok) return;
    const posts = cube!.posts();
    expect(posts).toHaveLength(1 + 6);
    expect(posts.slice(1).every((p) => (p.issuedTokens ?? []).length === 1)).toBe(true);
    expect(result.value.jobs.every((j) => j.state === 'done' && j.attempt === 2)).toBe(true);
  });

  test('with policy fail, ends in a typed failure naming the lost jobs', async () => {
    const result = await restartMidBuild({ onNotFound: 'fail', ambiguousConfirm: 300 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const failure = failureOf(result.error);
    expect(failure.type).toBe('PreAggregationBuildFailedError');
    expect(failure.message).toMatch(/6 pre-aggregation job\(s\) failed/);
    expect(failure.message).toContain('not_found');
    expect(failure.message).toContain('orders_by_month20240301');
  });
});

describe.each(['heartbeat', 'timer'] as const)('a build Cube merged into an identical queued one (%s mode)', (mode) => {
  test('is not posted again while Cube reports it missing_partition for a moment', async () => {
    // One queue slot, so March waits behind January and February: a second build of March alone is
    // merged into the queued one and reads missing_partition until that one runs (as Cube 1.7.43 does).
    const started = await startCube({ concurrency: 1, buildDurationMs: 600 });
    cube = started.cube;
    const { worker, taskQueue } = await createWorker(env, started.client);
    const wait = { ...fastWait, mode };
    const [whole, march] = await worker.runUntil(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000))); // both posts in one second
      const first = await env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `merged-whole-${Math.random().toString(36).slice(2)}`,
        args: [{ selector: { ...baseSelector, preAggregations: ['orders.by_month'], dateRange: ['2024-01-01', '2024-03-31'] }, wait }],
      });
      while (started.cube.posts().length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `merged-march-${Math.random().toString(36).slice(2)}`,
        args: [{ selector: { ...baseSelector, preAggregations: ['orders.by_month'], dateRange: ['2024-03-01', '2024-03-31'] }, wait }],
      });
      return Promise.all([first.result(), second.result()]);
    });
    const merged = started.cube.jobs.filter((job) => job.dedupedInto !== undefined);
    expect(merged).toHaveLength(1);
    expect(whole.outcome).toBe('succeeded');
    expect(march.outcome).toBe('succeeded');
    expect(whole.triggers).toBe(1);
    // Planned in the same second, the merged job names the queued build's table and ends done with it.
    // (Were the posts a second apart on a loaded machine, its own table would never be built, and one
    // narrowed post after the confirmation period would be the right answer.)
    const sameSecond = merged[0]?.table === started.cube.jobs.find((job) => job.token === merged[0]?.dedupedInto)?.table;
    expect(march.triggers).toBe(sameSecond ? 1 : 2);
    expect(started.cube.posts()).toHaveLength(sameSecond ? 2 : 3);
  });
});

describe('deadline, cancellation, progress, input', () => {
  test('a deadline ends the wait with a typed failure', async () => {
    const result = await run({ selector: { ...baseSelector, cubes: ['customers'] }, wait: { ...fastWait, deadline: '1s' } }, { buildDurationMs: 60_000 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(failureOf(result.error).type).toBe('PreAggregationWaitTimeoutError');
  });

  test.each(['heartbeat', 'timer'] as const)('a trigger Cube keeps refusing is tried until the deadline, then fails typed (%s mode)', async (mode) => {
    const refusing = { faults: [{ kind: 'http-error' as const, status: 503, action: 'post' as const, body: { error: 'Cube is restarting' } }] };
    const result = await run({ selector: { ...baseSelector, cubes: ['customers'] }, wait: { ...fastWait, mode, deadline: '4s' } }, refusing);
    expect(result.ok).toBe(false);
    if (result.ok) return;
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
    const result = await run({ selector: { ...baseSelector, cubes: ['customers'] }, wait: { ...fastWait, deadline: '1m' } }, flaky);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.triggers).toBe(1);
    expect(result.cube.requests.filter((r) => r.action === 'post')).toHaveLength(3);
  });

  test('getBuildProgress and live progress answer during a build; cancellation stops the wait promptly', async () => {
    const started = await startCube({ buildDurationMs: 60_000 });
    cube = started.cube;
    const { worker, taskQueue } = await createWorker(env, started.client);
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(buildPreAggregations, {
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
      expect(live.jobs.filter((j) => j.state === 'processing').every((j) => j.table?.includes('orders_by_month2024'))).toBe(true);
      expect(live.waitAttempt).toBe(1);
      const cancelledAt = Date.now();
      await handle.cancel();
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(Date.now() - cancelledAt).toBeLessThan(10_000);
      expect((await handle.query(getBuildProgress)).phase).toBe('cancelled');
      const history = await handle.fetchHistory();
      const types = (history.events ?? []).map((e) => e.eventType);
      expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED);
      expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED);
    });
  });

  test('invalid input fails fast, naming the fields, with no request to Cube', async () => {
    const result = await run({
      selector: { contexts: [], timezones: ['+05:00'] },
      wait: { pollInterval: '-1s', mode: 'sometimes' },
      policy: { maxRetriggers: -1 },
    } as unknown as BuildPreAggregationsInput);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const failure = failureOf(result.error);
    expect(failure.type).toBe('CubeJobsValidationError');
    for (const path of ['input.selector.contexts', 'input.selector.timezones[0]', 'input.wait.pollInterval', 'input.wait.mode', 'input.policy.maxRetriggers']) {
      expect(failure.message).toContain(path);
    }
    expect(result.cube.requests).toHaveLength(0);
  });
});

describe('deterministic workflow ids', () => {
  test('equal selectors give one id, and a second start attaches to the running build', async () => {
    const a = { contexts: [{ securityContext: { tenant: 'x', region: 'eu' } }], timezones: ['UTC'], cubes: ['orders', 'customers'] };
    const b = { cubes: ['customers', 'orders'], timezones: ['UTC'], contexts: [{ securityContext: { region: 'eu', tenant: 'x' } }] };
    expect(buildWorkflowId(a, { deployment: 'prod' })).toBe(buildWorkflowId(b, { deployment: 'prod' }));
    expect(buildWorkflowId(a, { deployment: 'prod' })).not.toBe(buildWorkflowId(a, { deployment: 'staging' }));
    expect(buildWorkflowId(a)).toMatch(/^cube-preagg-build:default:[0-9a-f]{32}$/);

    const started = await startCube({ buildDurationMs: 500 });
    cube = started.cube;
    const { worker, taskQueue } = await createWorker(env, started.client);
    const workflowId = buildWorkflowId(a, { deployment: `t-${Date.now()}` });
    await worker.runUntil(async () => {
      const options = { taskQueue, workflowId, workflowIdConflictPolicy: 'USE_EXISTING' as const };
      const first = await env.client.workflow.start(buildPreAggregations, { ...options, args: [{ selector: a, wait: fastWait }] });
      const second = await env.client.workflow.start(buildPreAggregations, { ...options, args: [{ selector: b, wait: fastWait }] });
      expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
      await first.result();
    });
    expect(started.cube.posts()).toHaveLength(1);
  });
});

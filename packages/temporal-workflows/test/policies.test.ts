/**
 * buildPreAggregations' policies against a real Temporal dev server and the fake Cube: ambiguous and
 * failed jobs, a Cube restart that loses every job, and a build Cube merged into an identical one.
 */
import { createCubeJobsClient } from '@cube-jobs/core';
import { describe, expect, test } from 'vitest';
import { buildPreAggregations, type BuildPreAggregationsInput } from '../src/workflow-safe.js';
import { baseSelector, createWorker, failureOf, fastWait, startCube, useBuildEnvironment } from './environment.js';

const devServer = useBuildEnvironment();
const run = devServer.run;

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
    // Builds long enough for a poll to see the job queued first: a job Cube queued, then lost (a job
    // first read missing_partition was merged into another build, and is posted again after a backoff).
    const result = await run(
      { selector, wait: fastWait, policy: { onMissingPartition: 'retrigger', ambiguousConfirm: 300 } },
      { ...flaky(['missing_partition', 'done']), buildDurationMs: 400 },
    );
    if (!result.ok) throw result.error; // the workflow's own failure says what went wrong
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
    const result = await run(
      { selector, wait: fastWait, policy: { onMissingPartition: 'fail', ambiguousConfirm: 300 } },
      flaky(['missing_partition']),
    );
    if (result.ok) expect.fail(`expected the build to fail, it succeeded: ${JSON.stringify(result.value.counts)}`);
    const failure = failureOf(result.error);
    expect(failure.type).toBe('PreAggregationBuildFailedError');
    expect(failure.message).toContain('missing_partition');
    expect(failure.message).toContain('orders_by_month20240201');
  });

  test('missing_partition with wait fails after the grace period', async () => {
    const result = await run(
      { selector, wait: fastWait, policy: { onMissingPartition: 'wait', ambiguousGrace: 300 } },
      flaky(['missing_partition']),
    );
    if (result.ok) expect.fail(`expected the build to fail, it succeeded: ${JSON.stringify(result.value.counts)}`);
    expect(failureOf(result.error).message).toContain('missing_partition');
    expect(result.cube.posts()).toHaveLength(1);
  });

  test('failure with onFailure retrigger rebuilds the failed partition and succeeds', async () => {
    const result = await run(
      { selector, wait: fastWait, policy: { onFailure: 'retrigger' } },
      flaky(['failure', 'done']),
    );
    if (!result.ok) throw result.error; // the workflow's own failure says what went wrong
    expect(result.value.triggers).toBe(2);
  });

  test('a same-second collision (`already exists`) is built again a second later, even with onFailure fail', async () => {
    const collision = 'Catalog Error: Table with name "orders_by_month20240201_x_y_z" already exists!';
    const result = await run(
      { selector, wait: fastWait, policy: { onFailure: 'fail' } },
      flaky(['failure', 'done'], collision),
    );
    if (!result.ok) throw result.error; // the workflow's own failure says what went wrong
    expect(result.value.triggers).toBe(2);
    const posts = result.cube.posts();
    expect((posts[1]?.atMs ?? 0) - (posts[0]?.atMs ?? 0)).toBeGreaterThanOrEqual(1100);
  });

  test('the retrigger budget is bounded', async () => {
    const result = await run(
      { selector, wait: fastWait, policy: { onFailure: 'retrigger', maxRetriggers: 2 } },
      flaky(['failure']),
    );
    if (result.ok) expect.fail(`expected the build to fail, it succeeded: ${JSON.stringify(result.value.counts)}`);
    expect(failureOf(result.error).message).toContain('triggered again 2 time(s) already');
    expect(result.cube.posts()).toHaveLength(3);
  });
});

describe('Cube restart mid-build', () => {
  async function restartMidBuild(policy: BuildPreAggregationsInput['policy']) {
    const started = await startCube({ buildDurationMs: 1500, concurrency: 4 });
    const { worker, taskQueue } = await createWorker(devServer.env, started.client);
    return worker.runUntil(async () => {
      const handle = await devServer.env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `restart-${Math.random().toString(36).slice(2)}`,
        args: [
          {
            selector: { ...baseSelector, preAggregations: ['orders.by_month'] },
            wait: fastWait,
            ...(policy ? { policy } : {}),
          },
        ],
      });
      // Let the first poll see every job (so their targets are known), then lose them all.
      while (!started.cube.requests.some((r) => r.action === 'get' && r.status === 200))
        await new Promise((r) => setTimeout(r, 20));
      await started.cube.restart({ downtimeMs: 200 });
      const outcome = await handle
        .result()
        .then((value) => ({ ok: true as const, value }))
        .catch((error: unknown) => ({ ok: false as const, error }));
      return { ...outcome, cube: started.cube };
    });
  }

  test('retriggers each lost job once, narrowed to its partition', async () => {
    const result = await restartMidBuild(undefined);
    if (!result.ok) throw result.error; // the workflow's own failure says what went wrong
    const posts = result.cube.posts();
    expect(posts.map((post) => post.issuedTokens?.length)).toEqual([6, 1, 1, 1, 1, 1, 1]);
    expect(result.value.jobs.map((j) => [j.state, j.attempt])).toEqual(Array.from({ length: 6 }, () => ['done', 2]));
  });

  test('with policy fail, ends in a typed failure naming the lost jobs', async () => {
    const result = await restartMidBuild({ onNotFound: 'fail', ambiguousConfirm: 300 });
    if (result.ok) expect.fail(`expected the build to fail, it succeeded: ${JSON.stringify(result.value.counts)}`);
    const failure = failureOf(result.error);
    expect(failure.type).toBe('PreAggregationBuildFailedError');
    expect(failure.message).toMatch(/6 pre-aggregation job\(s\) failed/);
    expect(failure.message).toContain('not_found');
    expect(failure.message).toContain('orders_by_month20240301');
  });
});

describe('builds Cube merged into an identical queued one', () => {
  test('is not posted again while Cube reports it missing_partition for a moment', async () => {
    // One queue slot, so March waits behind January and February: a second build of March alone is
    // merged into the queued one and reads missing_partition until that one runs (as Cube 1.7.43 does).
    const started = await startCube({ concurrency: 1, buildDurationMs: 600 });
    const { worker, taskQueue } = await createWorker(devServer.env, started.client);
    const wait = fastWait;
    const [whole, march] = await worker.runUntil(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000))); // both posts in one second
      const first = await devServer.env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `merged-whole-${Math.random().toString(36).slice(2)}`,
        args: [
          {
            selector: {
              ...baseSelector,
              preAggregations: ['orders.by_month'],
              dateRange: ['2024-01-01', '2024-03-31'],
            },
            wait,
          },
        ],
      });
      while (started.cube.posts().length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await devServer.env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `merged-march-${Math.random().toString(36).slice(2)}`,
        args: [
          {
            selector: {
              ...baseSelector,
              preAggregations: ['orders.by_month'],
              dateRange: ['2024-03-01', '2024-03-31'],
            },
            wait,
          },
        ],
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
    // Planned a second apart on a loaded machine, its own table is never built, and the worker follows
    // the build it was merged into instead: no post either way.
    expect(march.triggers).toBe(1);
    expect(started.cube.posts()).toHaveLength(2);
  });

  test('two overlapping builds of the same partitions planned in different seconds: no retrigger, each partition built once', async () => {
    // One slot and 1.5 s per partition: the second build's jobs wait behind the first's, longer than
    // ambiguousConfirm, and read missing_partition throughout (their own tables are never built).
    const started = await startCube({ concurrency: 1, buildDurationMs: 1500 });
    const { worker, taskQueue } = await createWorker(devServer.env, started.client);
    const input = {
      selector: { ...baseSelector, preAggregations: ['orders.by_month'], dateRange: ['2024-01-01', '2024-03-31'] },
      wait: fastWait,
      policy: { ambiguousConfirm: 300, maxRetriggers: 1 },
    } satisfies BuildPreAggregationsInput;
    const [first, second] = await worker.runUntil(async () => {
      const a = await devServer.env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `overlap-a-${Math.random().toString(36).slice(2)}`,
        args: [input],
      });
      while (started.cube.posts().length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20)); // the next second
      const b = await devServer.env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `overlap-b-${Math.random().toString(36).slice(2)}`,
        args: [input],
      });
      return Promise.all([a.result(), b.result()]);
    });
    const twins = new Map(started.cube.jobs.map((job) => [job.token, job.dedupedInto]));
    expect(second.jobs.map((job) => twins.get(job.token))).toEqual(first.jobs.map((job) => job.token));
    expect([first.triggers, second.triggers, first.retriggeredJobs, second.retriggeredJobs]).toEqual([1, 1, 0, 0]);
    expect(started.cube.posts()).toHaveLength(2);
    expect(started.cube.jobs.filter((job) => job.dedupedInto === undefined)).toHaveLength(3); // built once each
    expect(second.jobs.map((job) => [job.state, job.status, job.merge?.token])).toEqual(
      first.jobs.map((twin) => ['done', 'missing_partition', twin.token]),
    );
  });

  test('merged into a build this worker never read: posted again after a growing backoff, off the retrigger budget', async () => {
    // Another client (a lost trigger answer, another worker) posts January to March first; they queue
    // for about 2.4 s. The build posts the same partitions a second later.
    const started = await startCube({ concurrency: 1, buildDurationMs: 800 });
    const elsewhere = createCubeJobsClient({ apiUrl: started.cube.url, apiSecret: started.cube.apiSecret });
    const selector = {
      ...baseSelector,
      preAggregations: ['orders.by_month'],
      dateRange: ['2024-01-01', '2024-03-31'] as [string, string],
    };
    const { worker, taskQueue } = await createWorker(devServer.env, started.client);
    const workflowId = `merged-elsewhere-${Math.random().toString(36).slice(2)}`;
    const result = await worker.runUntil(async () => {
      await elsewhere.triggerBuild(selector);
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
      return devServer.env.client.workflow.execute(buildPreAggregations, {
        taskQueue,
        workflowId,
        args: [{ selector, wait: fastWait, policy: { ambiguousConfirm: 300, maxRetriggers: 1 } }],
      });
    });
    expect(result.outcome).toBe('succeeded');
    // Posted again (possibly several times, merged again while the other build was queued), yet every
    // job is still on its first attempt: maxRetriggers 1 was not used up.
    expect(result.retriggeredJobs).toBeGreaterThan(0);
    expect(result.jobs.map((job) => job.attempt)).toEqual([1, 1, 1]);
    expect(Math.max(...result.jobs.map((job) => job.mergedReposts ?? 0))).toBeGreaterThan(0);
    // The backoff doubles: the k-th round of posts comes at least ambiguousConfirm (300 ms) plus
    // 300 ms × 2^(k-1) after the round before (round 0 is the build's trigger).
    const rounds: number[] = [];
    for (const post of started.cube.posts().slice(1)) {
      if (rounds.length === 0 || post.atMs - (rounds.at(-1) as number) > 200) rounds.push(post.atMs);
    }
    expect(rounds.length).toBeGreaterThan(1);
    rounds.slice(1).forEach((at, i) => expect(at - (rounds[i] as number)).toBeGreaterThanOrEqual(300 + 300 * 2 ** i));
  });
});

/**
 * The activities inside Temporal's MockActivityEnvironment (heartbeats, cancellation, resume),
 * talking over HTTP to the fake Cube.
 */
import { afterEach, describe, expect, test } from 'vitest';
import {
  CubeJobsAuthError,
  CubeJobsBadRequestError,
  CubeJobsRateLimitError,
  CubeJobsServerError,
  PreAggregationBuildFailedError,
  createCubeJobsClient,
} from '@cube-jobs/core';
import { startFakeCube, type FakeCube } from '@cube-jobs/testing';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { toApplicationFailure } from '../src/failures.js';
import { createCubeJobsActivities, type WaitHeartbeatDetails } from '../src/index.js';

/** `MockActivityEnvironment.run` with the activity's own input and output types. */
function run<I, O>(env: MockActivityEnvironment, activity: (input: I) => Promise<O>, input: I): Promise<O> {
  return env.run<[I], O, (input: I) => Promise<O>>(activity, input);
}

const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'] };
let cube: FakeCube | undefined;
afterEach(async () => {
  await cube?.stop();
  cube = undefined;
});

async function setup(buildDurationMs = 50, clientRetries = 0) {
  cube = await startFakeCube({ buildDurationMs });
  const client = createCubeJobsClient({
    apiUrl: cube.url,
    apiSecret: cube.apiSecret,
    advanced: { maxRetries: clientRetries, retryBaseDelayMs: 10, pollTickMs: 10 },
  });
  return { cube, activities: createCubeJobsActivities({ client }) };
}

describe('retries: one layer per path, whatever the client allows', () => {
  test("the trigger posts once: a 503 is the local activity's to retry, not the client's", async () => {
    const { cube, activities } = await setup(50, 3);
    cube.setFaults([{ kind: 'http-error', status: 503, action: 'post', times: 1 }]);
    const error = await run(new MockActivityEnvironment(), activities.triggerPreAggregationBuild, {
      selector: { ...selector, cubes: ['orders'] },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'CubeJobsServerError', nonRetryable: false });
    expect(cube.requests.filter((request) => request.action === 'post')).toHaveLength(1);
  });

  test('the wait reads again at its next poll through more failed reads than any fixed count, and succeeds', async () => {
    const { cube, activities } = await setup(50, 3);
    const env = new MockActivityEnvironment();
    const { tokens } = await run(env, activities.triggerPreAggregationBuild, {
      selector: { ...selector, cubes: ['customers'] },
    });
    cube.setFaults([{ kind: 'http-error', status: 503, action: 'get', times: 8 }]);
    const result = await run(env, activities.waitForPreAggregationJobs, {
      tokens,
      schedule: { initialPollIntervalMs: 20, maxPollIntervalMs: 20 },
    });
    expect(result.outcome).toBe('succeeded');
    const gets = cube.requests.filter((request) => request.action === 'get');
    expect(gets.length).toBeGreaterThanOrEqual(9); // 8 refused, each tried once by the poller, then read
  });
});

describe('triggerPreAggregationBuild', () => {
  test('posts once and returns the tokens, with a request id naming the workflow and activity', async () => {
    const { cube, activities } = await setup();
    const env = new MockActivityEnvironment({ activityId: 'act-1' });
    const { tokens } = await run(env, activities.triggerPreAggregationBuild, {
      selector: { ...selector, cubes: ['orders'] },
    });
    expect(tokens).toHaveLength(7);
    expect(cube.posts()).toHaveLength(1);
    expect(cube.requests[0]?.headers['x-request-id']).toMatch(/^.+:act-1:1-span-1$/);
  });

  test("a selector Cube rejects becomes a non-retryable failure carrying Cube's message", async () => {
    const { activities } = await setup();
    const error = await run(new MockActivityEnvironment(), activities.triggerPreAggregationBuild, {
      selector: { ...selector, cubes: ['nope'] },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('CubeJobsBadRequestError');
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toContain(
      "A user's selector doesn't match any of the pre-aggregations",
    );
    expect((error as ApplicationFailure).details?.[0]).toMatchObject({ status: 400 });
  });
});

describe('triggerPreAggregationBuild run again', () => {
  const execution = (runId: string) => ({ workflowExecution: { workflowId: 'build-1', runId }, activityId: '1' });

  test('for the same run and activity (a workflow task that did not complete), answers with its tokens and posts once', async () => {
    const { cube, activities } = await setup();
    const input = { selector: { ...selector, cubes: ['orders'] } };
    const first = await run(
      new MockActivityEnvironment(execution('run-a')),
      activities.triggerPreAggregationBuild,
      input,
    );
    const again = await run(
      new MockActivityEnvironment(execution('run-a')),
      activities.triggerPreAggregationBuild,
      input,
    );
    expect(again.tokens).toEqual(first.tokens);
    expect(cube.posts()).toHaveLength(1);
    // Another run of the same workflow id is another build: it posts.
    const other = await run(
      new MockActivityEnvironment(execution('run-b')),
      activities.triggerPreAggregationBuild,
      input,
    );
    expect(other.tokens).not.toEqual(first.tokens);
    expect(cube.posts()).toHaveLength(2);
  });

  test('an attempt cancelled while its post is in flight leaves the answer to the next attempt, which posts nothing', async () => {
    const { cube, activities } = await setup();
    cube.setFaults([{ kind: 'latency', ms: 500, action: 'post', times: 1 }]);
    const input = { selector: { ...selector, cubes: ['orders'] } };
    const abandoned = new MockActivityEnvironment(execution('run-d'));
    const attempt = run(abandoned, activities.triggerPreAggregationBuild, input).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    abandoned.cancel();
    expect(await attempt).toBeInstanceOf(CancelledFailure);
    const next = await run(
      new MockActivityEnvironment(execution('run-d')),
      activities.triggerPreAggregationBuild,
      input,
    );
    expect(next.tokens).toHaveLength(7);
    expect(cube.requests.filter((request) => request.action === 'post')).toHaveLength(1);
  });

  test('a failed post is not remembered: the next attempt posts', async () => {
    const { cube, activities } = await setup();
    cube.setFaults([{ kind: 'http-error', status: 503, action: 'post', times: 1 }]);
    const input = { selector: { ...selector, cubes: ['orders'] } };
    const error = await run(
      new MockActivityEnvironment(execution('run-c')),
      activities.triggerPreAggregationBuild,
      input,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    const retried = await run(
      new MockActivityEnvironment({ ...execution('run-c'), attempt: 2 }),
      activities.triggerPreAggregationBuild,
      input,
    );
    expect(retried.tokens).toHaveLength(7);
    expect(cube.requests.filter((request) => request.action === 'post')).toHaveLength(2);
  });
});

describe('getPreAggregationJobStatuses', () => {
  test('reads every job once, in token order, running or finished', async () => {
    const { cube, activities } = await setup(200);
    const env = new MockActivityEnvironment();
    const { tokens } = await run(env, activities.triggerPreAggregationBuild, {
      selector: { ...selector, cubes: ['orders'] },
    });
    const early = await run(env, activities.getPreAggregationJobStatuses, { tokens });
    expect(early.jobs.map((j) => j.token)).toEqual(tokens);
    expect(early.jobs.map((j) => j.state)).not.toContain('done');
    await new Promise((r) => setTimeout(r, 1000));
    const late = await run(env, activities.getPreAggregationJobStatuses, { tokens });
    expect(late.jobs.map((j) => [j.state, j.status])).toEqual(Array(7).fill(['done', undefined]));
    expect(cube.posts()).toHaveLength(1);
  });
});

describe('waitForPreAggregationJobs', () => {
  test('heartbeats its latest progress once per 0.8 × heartbeat timeout, however often it polls', async () => {
    const { activities } = await setup(700);
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 1000 });
    const beats: { atMs: number; details: WaitHeartbeatDetails }[] = [];
    env.on('heartbeat', (details: WaitHeartbeatDetails | undefined) => {
      if (details) beats.push({ atMs: Date.now(), details });
    });
    const { tokens } = await run(env, activities.triggerPreAggregationBuild, {
      selector: { ...selector, cubes: ['orders'] },
    });
    const startedAt = Date.now();
    const result = await run(env, activities.waitForPreAggregationJobs, {
      tokens,
      schedule: { initialPollIntervalMs: 20, maxPollIntervalMs: 50 },
    });
    const waitedMs = Date.now() - startedAt;
    expect(result.outcome).toBe('succeeded');
    expect(result.jobs.map((j) => j.state)).toEqual(Array(7).fill('done'));
    for (const job of result.jobs) expect(job).toEqual({ token: job.token, state: 'done', table: expect.any(String) });
    // One beat per 800 ms of waiting, not one per poll.
    expect(beats.length).toBeGreaterThanOrEqual(Math.floor(waitedMs / 800) - 1);
    expect(beats.length).toBeLessThanOrEqual(Math.ceil(waitedMs / 800));
    expect(result.polls).toBeGreaterThan(5 * beats.length);
    for (let i = 1; i < beats.length; i += 1)
      expect((beats[i]?.atMs ?? 0) - (beats[i - 1]?.atMs ?? 0)).toBeGreaterThanOrEqual(700);
    // Each beat carries the progress of the polls before it.
    const last = beats.at(-1)?.details;
    expect(last?.wait.polls).toBeGreaterThan(0);
    expect(last?.wait.polls).toBeLessThan(result.polls);
    expect(Object.values(last?.counts ?? {}).reduce((a, b) => a + b, 0)).toBe(7);
    expect(last?.jobs?.map(([token]) => token)).toEqual(tokens);
  });

  test('a retried attempt resumes from heartbeat details and never posts', async () => {
    const { cube, activities } = await setup();
    const { tokens } = await run(new MockActivityEnvironment(), activities.triggerPreAggregationBuild, {
      selector: { ...selector, cubes: ['customers'] },
    });
    const details: WaitHeartbeatDetails = {
      wait: { startedAtMs: Date.now() - 10_000, polls: 4, ambiguousSinceMs: {} },
      counts: {
        scheduled: 0,
        processing: 1,
        done: 0,
        failure: 0,
        missing_partition: 0,
        not_found: 0,
        pre_agg_not_found: 0,
        unknown: 0,
      },
    };
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: details });
    const result = await run(env, activities.waitForPreAggregationJobs, {
      tokens,
      schedule: { initialPollIntervalMs: 50 },
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.polls).toBeGreaterThan(4);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(10_000);
    expect(cube.posts()).toHaveLength(1);
  });

  test("reports failures in the result with each job's target, instead of throwing", async () => {
    const { activities } = await setup();
    const env = new MockActivityEnvironment();
    const { tokens } = await run(env, activities.triggerPreAggregationBuild, {
      selector: { ...selector, cubes: ['broken'] },
    });
    const result = await run(env, activities.waitForPreAggregationJobs, {
      tokens,
      schedule: { initialPollIntervalMs: 20 },
    });
    expect(result.outcome).toBe('failed');
    expect(result.failed).toEqual(tokens);
    expect(result.retrigger).toEqual([]);
    expect(result.jobs[0]).toMatchObject({
      state: 'failure',
      target: { preAggregation: 'broken.broken_rollup', timezone: 'UTC', dataSource: 'default', securityContext: {} },
    });
  });

  test('cancellation stops a long wait promptly as a CancelledFailure', async () => {
    const { activities } = await setup(60_000);
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3000 });
    const { tokens } = await run(env, activities.triggerPreAggregationBuild, {
      selector: { ...selector, cubes: ['customers'] },
    });
    const waiting = run(env, activities.waitForPreAggregationJobs, {
      tokens,
      schedule: { initialPollIntervalMs: 10_000 },
    }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const cancelledAt = Date.now();
    env.cancel();
    const error = await waiting;
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - cancelledAt).toBeLessThan(1000);
  });
});

describe('toApplicationFailure', () => {
  const request = { action: 'post' as const, url: 'http://cube/x', requestId: 'r-span-1', attempt: 1 };
  test.each([
    [
      new CubeJobsBadRequestError('bad', { status: 400, cubeMessage: 'bad', body: {}, request }, false),
      'CubeJobsBadRequestError',
      true,
    ],
    [
      new CubeJobsAuthError('no', { status: 403, cubeMessage: 'Invalid token', body: {}, request }, false),
      'CubeJobsAuthError',
      true,
    ],
    [
      new CubeJobsServerError('boom', { status: 502, cubeMessage: undefined, body: '', request }),
      'CubeJobsServerError',
      false,
    ],
    [
      new PreAggregationBuildFailedError([
        { token: 't', raw: 'failure: x', state: 'failure', message: 'x', table: 'tbl' },
      ]),
      'PreAggregationBuildFailedError',
      true,
    ],
    [new TypeError('plain'), 'TypeError', false],
  ])('%s → type %s, nonRetryable %s', (error, type, nonRetryable) => {
    const failure = toApplicationFailure(error);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
  });

  test('a 429 carries Retry-After as the next retry delay', () => {
    const failure = toApplicationFailure(
      new CubeJobsRateLimitError('slow', { status: 429, cubeMessage: 'slow', body: {}, request, retryAfterMs: 7000 }),
    );
    expect(failure.nextRetryDelay).toBe(7000);
  });

  test('redacts messages of foreign errors', () => {
    const failure = toApplicationFailure(new Error('token=abc123secret'), (t) =>
      t.replace('abc123secret', '[REDACTED]'),
    );
    expect(failure.message).toBe('token=[REDACTED]');
  });
});

/** waitForJobs over a scripted fetch: what it polls, how it ends, the poll schedule, and transient poll failures. */
import { describe, expect, test } from 'vitest';
import {
  CubeJobsAbortError,
  CubeJobsAuthError,
  CubeJobsServerError,
  PreAggregationBuildFailedError,
  PreAggregationWaitTimeoutError,
} from '../src/index.js';
import { nextPollIntervalMs } from '../src/schedule.js';
import { pollJobs } from '../src/wait.js';
import { client, json, scriptedFetch } from './helpers.js';

describe('waitForJobs', () => {
  test('polls only unfinished tokens and returns every final status', async () => {
    const answers: Record<string, string[]> = {
      a: ['processing', 'done'],
      b: ['done'],
      c: ['scheduled', 'processing', 'done'],
    };
    const fetch = scriptedFetch((call) =>
      json(
        200,
        (call.body as { tokens: string[] }).tokens.map((token) => ({
          token,
          status: answers[token]?.shift() ?? 'done',
          table: `t_${token}`,
        })),
      ),
    );
    const progress: number[] = [];
    const result = await client(fetch).waitForJobs({
      tokens: ['a', 'b', 'c'],
      onProgress: (p) => {
        progress.push(p.summary.counts.done);
      },
      schedule: { initialPollIntervalMs: 5 },
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.jobs.map((j) => [j.token, j.state, j.table])).toEqual([
      ['a', 'done', 't_a'],
      ['b', 'done', 't_b'],
      ['c', 'done', 't_c'],
    ]);
    expect(fetch.calls.map((c) => (c.body as { tokens: string[] }).tokens)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'c'],
      ['c'],
    ]);
    expect(progress).toEqual([1, 2, 3]);
    expect(result.polls).toBe(3);
  });

  test('fails listing every failed job once the others finish (failFast off)', async () => {
    const fetch = scriptedFetch(() =>
      json(200, [
        { token: 'a', status: 'failure: boom' },
        { token: 'b', status: 'failure: bang' },
        { token: 'c', status: 'done' },
      ]),
    );
    const error = await client(fetch)
      .waitForJobs({ tokens: ['a', 'b', 'c'], failFast: false, schedule: { initialPollIntervalMs: 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreAggregationBuildFailedError);
    expect((error as PreAggregationBuildFailedError).failedJobs.map((j) => j.token)).toEqual(['a', 'b']);
    expect((error as Error).message).toMatch(/2 pre-aggregation jobs failed.*boom.*bang/);
  });

  test('stops at the deadline with the pending jobs', async () => {
    const fetch = scriptedFetch(() => json(200, [{ token: 'a', status: 'processing' }]));
    const error = await client(fetch)
      .waitForJobs({ tokens: ['a'], deadlineMs: 60, schedule: { initialPollIntervalMs: 10 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreAggregationWaitTimeoutError);
    expect((error as PreAggregationWaitTimeoutError).pendingJobs.map((j) => j.token)).toEqual(['a']);
  });

  test('a retrigger policy ends the wait with the jobs to trigger again, once they stayed ambiguous', async () => {
    const statuses: Record<string, string> = { a: 'done', b: 'not_found' };
    const fetch = scriptedFetch((call) =>
      json(
        200,
        (call.body as { tokens: string[] }).tokens.map((token) => ({ token, status: statuses[token] })),
      ),
    );
    const result = await client(fetch).waitForJobs({
      tokens: ['a', 'b'],
      policy: { onNotFound: 'retrigger', ambiguousConfirmMs: 40 },
      schedule: { initialPollIntervalMs: 5 },
    });
    expect(result.outcome).toBe('retrigger');
    expect(result.summary.retrigger.map((j) => j.token)).toEqual(['b']);
    // The first sighting only starts the confirmation: `b` alone is polled again until 40 ms passed.
    expect(fetch.calls.length).toBeGreaterThan(2);
    expect(fetch.calls.slice(1).map((c) => (c.body as { tokens: string[] }).tokens)).toEqual(
      fetch.calls.slice(1).map(() => ['b']),
    );
  });

  test('a job that is missing_partition for a moment (merged into an identical queued build) is not triggered again', async () => {
    const fetch = scriptedFetch(
      () =>
        json(200, [
          { token: 'a', status: 'processing' },
          { token: 'b', status: 'missing_partition' },
        ]),
      () =>
        json(200, [
          { token: 'a', status: 'done' },
          { token: 'b', status: 'missing_partition' },
        ]),
      () => json(200, [{ token: 'b', status: 'done' }]),
    );
    const result = await client(fetch).waitForJobs({
      tokens: ['a', 'b'],
      policy: { onMissingPartition: 'retrigger' },
      schedule: { initialPollIntervalMs: 5 },
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.summary.retrigger).toEqual([]);
    expect(fetch.calls).toHaveLength(3);
  });

  test('aborts promptly', async () => {
    const fetch = scriptedFetch(() => json(200, [{ token: 'a', status: 'processing' }]));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(
      client(fetch).waitForJobs({
        tokens: ['a'],
        signal: controller.signal,
        schedule: { initialPollIntervalMs: 10_000 },
      }),
    ).rejects.toBeInstanceOf(CubeJobsAbortError);
  });

  test('resumes without waiting and keeps the poll count', async () => {
    const fetch = scriptedFetch(() => json(200, [{ token: 'a', status: 'done' }]));
    const result = await pollJobs(client(fetch).readStatuses, {
      tokens: ['a'],
      resumeFrom: { startedAtMs: Date.now() - 5000, polls: 7, ambiguousSinceMs: {} },
      initialPollIntervalMs: 60_000,
    });
    expect(result.polls).toBe(8);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(5000);
  });
});

describe('nextPollIntervalMs', () => {
  test('starts at the initial interval and stays within 5 % of the time waited, up to the cap', () => {
    expect(nextPollIntervalMs(1000, 2_000)).toBe(1000);
    expect(nextPollIntervalMs(1000, 40_000)).toBe(1500);
    expect(nextPollIntervalMs(1500, 40_000)).toBe(2000);
    expect(nextPollIntervalMs(20_000, 1_800_000)).toBe(30_000);
    expect(
      nextPollIntervalMs(10, 100_000, {
        initialPollIntervalMs: 10,
        maxPollIntervalMs: 100_000,
        pollLatencyFraction: 0.2,
      }),
    ).toBe(15);
  });
});

describe('the wait loop and failed polls (the one retry layer for status reads)', () => {
  test('a few failed polls in a row are tolerated', async () => {
    const fetch = scriptedFetch(
      () => json(503, { error: 'restarting' }),
      () => json(502, { error: 'restarting' }),
      () => json(200, [{ token: 'a', status: 'done' }]),
    );
    const errors: number[] = [];
    const result = await pollJobs(client(fetch).readStatuses, {
      tokens: ['a'],
      onPollError: (_e, n) => errors.push(n),
      initialPollIntervalMs: 1,
    });
    expect(result.outcome).toBe('succeeded');
    expect(errors).toEqual([1, 2]);
  });

  test('too many failed polls in a row end the wait with the last error', async () => {
    const fetch = scriptedFetch(() => json(503, { error: 'down' }));
    await expect(
      pollJobs(client(fetch).readStatuses, {
        tokens: ['a'],
        maxConsecutivePollFailures: 2,
        initialPollIntervalMs: 1,
      }),
    ).rejects.toBeInstanceOf(CubeJobsServerError);
    expect(fetch.calls).toHaveLength(3);
  });

  test('a non-retryable poll error ends the wait at once', async () => {
    const fetch = scriptedFetch(() => json(403, { error: 'Invalid token' }));
    await expect(
      client(fetch, { maxRetries: 0 }).waitForJobs({ tokens: ['a'], schedule: { initialPollIntervalMs: 1 } }),
    ).rejects.toBeInstanceOf(CubeJobsAuthError);
    expect(fetch.calls).toHaveLength(1);
  });
});

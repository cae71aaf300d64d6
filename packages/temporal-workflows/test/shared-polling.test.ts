/**
 * The shared status poller under real builds: a real Temporal dev server, the real activities and the
 * fake Cube over loopback. Many waits on one worker share their status requests, a rate-limited Cube
 * sees no 429, a 429 pauses every wait without failing any, and cancelling one build leaves the others.
 */
import { describe, expect, test } from 'vitest';
import type { CubeJobsClient } from '@cube-jobs/core';
import type { FakeCube } from '@cube-jobs/testing';
import { buildPreAggregations, type BuildWaitOptions } from '../src/workflow-safe.js';
import { baseSelector, createWorker, fastWait, startCube, useBuildEnvironment } from './environment.js';

const devServer = useBuildEnvironment();

/** Each build gets its own tenant, so the fake neither merges nor collides their tables. */
const tenantSelector = (i: number) => ({
  ...baseSelector,
  contexts: [{ securityContext: { tenant: `t${i}` } }],
  preAggregations: ['orders.by_month'],
});

/** The status requests the fake received, and the most tokens any of them carried. */
function statusRequests(cube: FakeCube) {
  const gets = cube.requests.filter((r) => r.action === 'get');
  return { count: gets.length, tokens: gets.map((r) => (r.body as { tokens: string[] }).tokens.length) };
}

/** Runs `count` tenants' builds at once on one worker with the real activities over `client`, to their end. */
async function runTenantBuilds(client: CubeJobsClient, count: number, name: string, wait: BuildWaitOptions = fastWait) {
  const { worker, taskQueue } = await createWorker(devServer.env, client);
  return worker.runUntil(
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        devServer.env.client.workflow.execute(buildPreAggregations, {
          taskQueue,
          workflowId: `${name}-${i}-${Date.now()}`,
          args: [{ selector: tenantSelector(i), wait }],
        }),
      ),
    ),
  );
}

describe('shared polling on one worker', () => {
  test('20 concurrent builds share their status requests: fewer requests than builds, one post each', async () => {
    const builds = 20;
    const { cube, client } = await startCube(
      { buildDurationMs: 1500, concurrency: 1000 },
      { advanced: { pollTickMs: 250 } },
    );
    const results = await runTenantBuilds(client, builds, 'shared', { ...fastWait, pollInterval: 200 });
    expect(results.map((r) => r.outcome)).toEqual(Array(builds).fill('succeeded'));
    expect(cube.posts()).toHaveLength(builds);
    const polls = results.reduce((n, r) => n + r.polls, 0);
    const gets = statusRequests(cube);
    // Every build polled several times; independent waits would have sent one request per poll.
    expect(polls).toBeGreaterThanOrEqual(builds * 2);
    expect(gets.count).toBeLessThan(builds);
    expect(Math.max(...gets.tokens)).toBeGreaterThan(6); // a request carried more than one build's 6 tokens
    expect(client.pollerStats().waiting).toBe(0);
  });

  test('with maxRequestsPerSecond under the Cube limit, a rate-limited Cube answers no 429', async () => {
    const { cube, client } = await startCube(
      { buildDurationMs: 800, concurrency: 1000, rateLimit: { requestsPerSecond: 4, burst: 4 } },
      { maxRequestsPerSecond: 3, advanced: { rateLimitBurst: 3, pollTickMs: 100 } },
    );
    const results = await runTenantBuilds(client, 8, 'limited');
    expect(results.map((r) => r.outcome)).toEqual(Array(8).fill('succeeded'));
    expect(cube.rateLimited()).toBe(0);
    // Within any second: the client's burst, plus what its rate refills.
    expect(cube.peakRequestsPerSecond()).toBeLessThanOrEqual(3 + 3);
  });

  test('a 429 with Retry-After pauses every wait together; none fails, and every build posts once', async () => {
    const { cube, client } = await startCube({
      buildDurationMs: 600,
      concurrency: 1000,
      faults: [{ kind: 'rate-limit', action: 'get', retryAfterSeconds: 1, times: 2 }],
    });
    const results = await runTenantBuilds(client, 6, 'throttled');
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('succeeded'));
    expect(cube.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(cube.posts()).toHaveLength(6);
    expect(client.pollerStats().rateLimitPauses).toBe(2);
    // The second request after a 429 came no sooner than its Retry-After.
    const gets = cube.requests.filter((r) => r.action === 'get');
    const refused = gets.findIndex((r) => r.status === 429);
    expect((gets[refused + 1]?.atMs ?? 0) - (gets[refused]?.atMs ?? 0)).toBeGreaterThanOrEqual(950);
  });

  test('waits hold no activity slot: on a worker with one, three builds wait (and read) together, heartbeating', async () => {
    const { cube, client } = await startCube(
      { buildDurationMs: 3000, concurrency: 1000 },
      { advanced: { pollTickMs: 250 } },
    );
    const { worker, taskQueue } = await createWorker(devServer.env, client, undefined, {
      maxConcurrentActivityTaskExecutions: 1,
    });
    const ids = [0, 1, 2].map((i) => `one-slot-${i}-${Date.now()}`);
    const results = await worker.runUntil(
      Promise.all(
        ids.map((workflowId, i) =>
          devServer.env.client.workflow.execute(buildPreAggregations, {
            taskQueue,
            workflowId,
            // The builds outlast the heartbeat timeout: only heartbeats keep the waits' first attempts alive.
            args: [{ selector: tenantSelector(i), wait: { ...fastWait, pollInterval: 200, heartbeatTimeout: '1s' } }],
          }),
        ),
      ),
    );
    expect(results.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // One request carried all three builds' 6 tokens each: the three waits were polling at once.
    expect(Math.max(...statusRequests(cube).tokens)).toBe(18);
    expect(cube.posts()).toHaveLength(3);
    for (const workflowId of ids) {
      const events = (await devServer.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      expect(events.filter((e) => e.activityTaskTimedOutEventAttributes)).toHaveLength(0);
      const attempts = events.flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []);
      expect(attempts).toEqual([1]);
    }
  });

  test('cancelling one build stops its wait; the others sharing the poller finish', async () => {
    // Long enough for the cancellation to reach the heartbeating wait (heartbeats are throttled).
    const { cube, client } = await startCube({ buildDurationMs: 7000, concurrency: 1000 });
    const { worker, taskQueue } = await createWorker(devServer.env, client);
    const outcomes = await worker.runUntil(async () => {
      const handles = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          devServer.env.client.workflow.start(buildPreAggregations, {
            taskQueue,
            workflowId: `cancel-one-${i}-${Date.now()}`,
            args: [{ selector: tenantSelector(i), wait: fastWait }],
          }),
        ),
      );
      while (cube.requests.filter((r) => r.action === 'get').length < 2) await new Promise((r) => setTimeout(r, 20));
      await handles[0]?.cancel();
      return Promise.all(
        handles.map((h) =>
          h.result().then(
            (r) => r.outcome,
            (e: unknown) => (e as Error).name,
          ),
        ),
      );
    });
    expect(outcomes).toEqual(['WorkflowFailedError', 'succeeded', 'succeeded', 'succeeded']);
    expect(client.pollerStats().waiting).toBe(0);
  });
});

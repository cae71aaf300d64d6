/**
 * The core client against the fake Cube over loopback: the real HTTP path end to end.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import {
  CubeJobsAuthError,
  CubeJobsBadRequestError,
  CubeJobsConnectionError,
  CubeJobsMissingScopeError,
  CubeJobsTimeoutError,
  CubeJobsUnsupportedError,
  PreAggregationBuildFailedError,
  createCubeJobsClient,
  type CubeJobsClientOptions,
} from '@cube-jobs/core';
import { startFakeCube, type FakeCube, type FakeCubeOptions } from '../src/index.js';
import { BROKEN_PRE_AGGREGATION_MESSAGE } from '../src/sample-model.js';
import { selector } from './helpers.js';

let cube: FakeCube | undefined;
afterEach(async () => {
  await cube?.stop();
  cube = undefined;
});

async function setup(fake: FakeCubeOptions = {}, client: Partial<CubeJobsClientOptions> = {}) {
  cube = await startFakeCube({ buildDurationMs: 20, ...fake });
  return {
    cube,
    client: createCubeJobsClient({
      apiUrl: cube.url,
      apiSecret: cube.apiSecret,
      ...client,
      // Builds here take milliseconds: a tick of the default 1 s would see them all done at once.
      advanced: { retryBaseDelayMs: 5, retryMaxDelayMs: 20, pollTickMs: 10, ...client.advanced },
    }),
  };
}

describe('core client over HTTP', () => {
  test('triggers and waits for a build, polling only unfinished tokens', async () => {
    const { cube, client } = await setup({ concurrency: 1 });
    const tokens = await client.triggerBuild({ ...selector, cubes: ['orders'] });
    expect(tokens).toHaveLength(7);
    const result = await client.waitForJobs({ tokens, schedule: { initialPollIntervalMs: 15, maxPollIntervalMs: 40 } });
    expect(result.outcome).toBe('succeeded');
    for (const job of result.jobs) {
      expect(job).toMatchObject({ state: 'done', table: expect.stringMatching(/^prod_pre_aggregations\.orders_/) });
    }
    const polled = cube.requests
      .filter((r) => r.action === 'get')
      .map((r) => (r.body as { tokens: string[] }).tokens.length);
    expect(polled[0]).toBe(7);
    expect(polled.at(-1)).toBeLessThan(7);
    expect(cube.posts()).toHaveLength(1);
  });

  test("a failing pre-aggregation rejects with every failed job and Cube's message", async () => {
    const { client } = await setup();
    const tokens = await client.triggerBuild({ ...selector, cubes: ['broken', 'customers'] });
    const error = await client
      .waitForJobs({ tokens, failFast: false, schedule: { initialPollIntervalMs: 10 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreAggregationBuildFailedError);
    expect((error as PreAggregationBuildFailedError).failedJobs).toHaveLength(2);
    expect((error as Error).message).toContain(BROKEN_PRE_AGGREGATION_MESSAGE);
  });

  test("Cube's 400 text is kept verbatim", async () => {
    const { client } = await setup();
    const error = await client.triggerBuild({ ...selector, preAggregations: ['orders.nope'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsBadRequestError);
    expect((error as CubeJobsBadRequestError).cubeMessage).toBe(
      "A user's selector doesn't match any of the pre-aggregations defined in the data model.",
    );
  });

  test('a wrong secret is an auth error; a token without the jobs scope a missing-scope error', async () => {
    const { cube } = await setup();
    const wrong = createCubeJobsClient({ apiUrl: cube.url, apiSecret: 'wrong-secret-123456' });
    await expect(wrong.triggerBuild(selector)).rejects.toBeInstanceOf(CubeJobsAuthError);
    const scoped = createCubeJobsClient({
      apiUrl: cube.url,
      apiSecret: cube.apiSecret,
      securityContext: { scopes: ['meta'] },
    });
    await expect(scoped.triggerBuild(selector)).rejects.toBeInstanceOf(CubeJobsMissingScopeError);
  });

  test('Bearer and static tokens work', async () => {
    const { cube } = await setup();
    const token = await cube.signToken();
    const bearer = createCubeJobsClient({ apiUrl: cube.url, token, advanced: { authorizationScheme: 'bearer' } });
    expect(await bearer.triggerBuild({ ...selector, cubes: ['customers'] })).toHaveLength(1);
    expect(cube.requests.at(-1)?.headers.authorization).toBe(`Bearer ${token}`);
  });

  test('recovers from injected 5xx, resets, 429 and Continue wait within its retries', async () => {
    const { cube, client } = await setup(
      {
        faults: [
          { kind: 'http-error', status: 502, action: 'post', times: 1 },
          { kind: 'continue-wait', action: 'post', times: 1 },
          { kind: 'reset', action: 'get', times: 1 },
          { kind: 'rate-limit', retryAfterSeconds: 0, action: 'get', times: 1 },
        ],
      },
      { advanced: { maxRetries: 3 } },
    );
    const tokens = await client.triggerBuild({ ...selector, cubes: ['customers'] });
    const result = await client.waitForJobs({ tokens, schedule: { initialPollIntervalMs: 30 } });
    expect(result.outcome).toBe('succeeded');
    expect(cube.posts()).toHaveLength(1);
  });

  test('a hanging Cube times out; a closed port is a connection error', async () => {
    const { cube, client } = await setup(
      { faults: [{ kind: 'hang' }] },
      { timeoutMs: 100, advanced: { maxRetries: 1 } },
    );
    await expect(client.getJobStatuses(['a'])).rejects.toBeInstanceOf(CubeJobsTimeoutError);
    const url = cube.url;
    await cube.stop();
    const closed = createCubeJobsClient({ apiUrl: url, token: 'static-token-1', advanced: { maxRetries: 0 } });
    await expect(closed.getJobStatuses(['a'])).rejects.toBeInstanceOf(CubeJobsConnectionError);
  });

  test('sends x-request-id spans that Cube can log', async () => {
    const { cube, client } = await setup();
    await client.triggerBuild({ ...selector, cubes: ['customers'] }, { requestId: 'wf-9' });
    expect(cube.requests.at(-1)?.headers['x-request-id']).toBe('wf-9-span-1');
  });

  describe('overlapping builds: a job Cube merged into an identical build in flight', () => {
    const byMonth = {
      ...selector,
      preAggregations: ['orders.by_month'],
      dateRange: ['2024-01-01', '2024-02-29'] as [string, string],
    };
    /** Build A, then build B of the same two partitions in the next second, while A's are still queued. */
    async function overlappingBuilds(client: Partial<CubeJobsClientOptions> = {}) {
      const env = await setup({ concurrency: 1, buildDurationMs: 1500 }, client);
      const first = await env.client.triggerBuild(byMonth);
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 50));
      const second = await env.client.triggerBuild(byMonth);
      expect(env.cube.jobs.filter((job) => second.includes(job.token)).map((job) => job.dedupedInto)).toEqual(first);
      return { ...env, first, second };
    }
    const wait = {
      schedule: { initialPollIntervalMs: 100, maxPollIntervalMs: 200 },
      policy: { ambiguousConfirmMs: 1000 },
    };

    test('is followed: it waits for its twin and is done when the twin is, with no second build', async () => {
      const { cube, client, first, second } = await overlappingBuilds();
      // Both builds wait through one client, as overlapping builds on one worker do.
      const [resultA, result] = await Promise.all([
        client.waitForJobs({ tokens: first, ...wait }),
        client.waitForJobs({ tokens: second, ...wait }),
      ]);
      expect([resultA.outcome, result.outcome]).toEqual(['succeeded', 'succeeded']);
      expect(result.jobs.map((job) => [job.raw, job.state, job.merge?.token])).toEqual(
        first.map((twin) => ['missing_partition', 'done', twin]),
      );
      expect(cube.jobs.filter((job) => job.dedupedInto === undefined)).toHaveLength(2); // each partition built once
      expect(cube.posts()).toHaveLength(2);
    });

    test("with followMergedJobs off, it reads Cube's missing_partition to the end and the wait asks for a retrigger", async () => {
      const { client, second } = await overlappingBuilds({ advanced: { followMergedJobs: false } });
      const result = await client.waitForJobs({ tokens: second, ...wait });
      expect(result.outcome).toBe('retrigger');
      expect(result.jobs.map((job) => [job.state, job.merge])).toEqual(
        second.map(() => ['missing_partition', undefined]),
      );
    });
  });

  describe('a Cube-compatible server that answers an empty status read with 200 (a proxy in front of Cube)', () => {
    /** A proxy in front of the fake Cube that answers `get` of no tokens itself, with 200 and `[]`. */
    async function lenientProxy(target: string) {
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const parsed = JSON.parse(body || '{}') as { action?: string; tokens?: unknown[] };
          if (parsed.action === 'get' && parsed.tokens?.length === 0) {
            response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
            return;
          }
          const headers = Object.fromEntries(
            Object.entries(request.headers).filter(([name]) => !['host', 'content-length'].includes(name)),
          ) as Record<string, string>;
          void fetch(new URL(request.url ?? '/', target), { method: request.method ?? 'POST', headers, body })
            .then(async (answer) => {
              response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
            })
            .catch(() => response.destroy());
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}/cubejs-api`, close: () => new Promise((r) => server.close(r)) };
    }
    /** The fake Cube behind a lenient proxy, and a client of the proxy. */
    async function behindLenientProxy(options: Pick<CubeJobsClientOptions, 'honoursDateRange'>) {
      const { cube } = await setup();
      const proxy = await lenientProxy(cube.url);
      const client = createCubeJobsClient({
        apiUrl: proxy.url,
        apiSecret: cube.apiSecret,
        ...options,
        advanced: { maxRetries: 0, pollTickMs: 10 },
      });
      return { cube, proxy, client };
    }
    const february = {
      ...selector,
      preAggregations: ['orders.by_month'],
      dateRange: ['2024-02-01', '2024-02-29'] as [string, string],
    };

    test('refuses a dateRange by default, and the error names the option that says otherwise', async () => {
      const { cube, client, proxy } = await behindLenientProxy({});
      try {
        const error = await client.triggerBuild(february).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CubeJobsUnsupportedError);
        expect((error as Error).message).toContain('honoursDateRange: true');
        expect(cube.posts()).toHaveLength(0);
      } finally {
        await proxy.close();
      }
    });

    test('with honoursDateRange: true, posts the dateRange without asking and builds exactly its partition', async () => {
      const { cube, client, proxy } = await behindLenientProxy({ honoursDateRange: true });
      try {
        const tokens = await client.triggerBuild(february);
        expect(tokens).toHaveLength(1);
        const result = await client.waitForJobs({
          tokens,
          schedule: { initialPollIntervalMs: 15, maxPollIntervalMs: 40 },
        });
        expect(result.jobs.map((job) => [job.state, job.table])).toEqual([
          ['done', expect.stringMatching(/^prod_pre_aggregations\.orders_by_month20240201_/)],
        ]);
        expect(
          cube.requests.filter((r) => r.action === 'get' && (r.body as { tokens: unknown[] }).tokens.length === 0),
        ).toEqual([]);
      } finally {
        await proxy.close();
      }
    });

    test('with honoursDateRange: false, refuses a dateRange without asking, saying why', async () => {
      const { cube, client } = await setup({}, { honoursDateRange: false });
      const error = await client.triggerBuild(february).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'CubeJobsUnsupportedError', feature: 'dateRange' });
      expect((error as Error).message).toContain('honoursDateRange: false');
      expect(cube.requests).toHaveLength(0);
    });
  });
});

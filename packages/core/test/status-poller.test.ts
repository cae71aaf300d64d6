/**
 * The shared status poller and the client's rate limit, over a scripted fetch: many reads in a tick
 * share a request, long token lists are split, each read gets its own statuses, an aborted read leaves
 * the others alone, each tick's request is one attempt (the waits retry), a 429 also pauses every
 * request for its Retry-After, and requests keep to the rate.
 */
import { describe, expect, test } from 'vitest';
import { CubeJobsAbortError, CubeJobsServerError } from '../src/index.js';
import { client, json, scriptedFetch, type RecordedCall } from './helpers.js';

/** Answers every get with `status` for each token asked, recording when each request arrived. */
function statusFetch(statusOf: (token: string) => string = () => 'processing') {
  const arrivals: number[] = [];
  const fetch = scriptedFetch((call: RecordedCall) => {
    arrivals.push(Date.now());
    const tokens = (call.body as { tokens?: string[] }).tokens ?? [];
    return json(
      200,
      tokens.map((token) => ({ token, status: statusOf(token) })),
    );
  });
  return Object.assign(fetch, { arrivals });
}

const tokensOf = (call: RecordedCall) => (call.body as { tokens: string[] }).tokens;
type FlatOptions = Parameters<typeof client>[1];
const shared = (extra: FlatOptions = {}): FlatOptions => ({
  statusPolling: 'shared',
  pollTickMs: 50,
  maxRequestsPerSecond: Infinity,
  ...extra,
});

describe('the shared status poller', () => {
  test('reads within one tick share one request, and each read gets only its own statuses, in order', async () => {
    const fetch = statusFetch((token) => (token.endsWith('1') ? 'done' : 'processing'));
    const cube = client(fetch, shared());
    const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => cube.readStatuses([`w${i}-b`, `w${i}-1`])));
    expect(fetch.calls).toHaveLength(1);
    expect(tokensOf(fetch.calls[0] as RecordedCall)).toHaveLength(40);
    reads.forEach((statuses, i) => {
      expect(statuses.map((s) => [s.token, s.state])).toEqual([
        [`w${i}-b`, 'processing'],
        [`w${i}-1`, 'done'],
      ]);
    });
    expect(cube.pollerStats()).toMatchObject({ waiting: 0, reads: 20, ticks: 1, requests: 1 });
  });

  test('a tick with more tokens than statusBatchSize is split into requests of at most that many', async () => {
    const fetch = statusFetch();
    const cube = client(fetch, shared({ statusBatchSize: 10 }));
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => cube.readStatuses(Array.from({ length: 5 }, (_, j) => `t${i}-${j}`))),
    );
    expect(fetch.calls.map((call) => tokensOf(call).length)).toEqual([10, 10, 5]);
  });

  test('the same token read by two waits is asked for once', async () => {
    const fetch = statusFetch();
    const cube = client(fetch, shared());
    const [a, b] = await Promise.all([cube.readStatuses(['x', 'y']), cube.readStatuses(['y', 'z'])]);
    expect(tokensOf(fetch.calls[0] as RecordedCall)).toEqual(['x', 'y', 'z']);
    expect(a?.map((s) => s.token)).toEqual(['x', 'y']);
    expect(b?.map((s) => s.token)).toEqual(['y', 'z']);
  });

  test('an aborted read ends at once with CubeJobsAbortError, and the others still get their answer', async () => {
    const fetch = statusFetch();
    const cube = client(fetch, shared());
    const controller = new AbortController();
    const aborted = cube.readStatuses(['gone'], controller.signal).catch((e: unknown) => e);
    const kept = cube.readStatuses(['kept']);
    controller.abort();
    expect(await aborted).toBeInstanceOf(CubeJobsAbortError);
    expect((await kept).map((s) => s.token)).toEqual(['kept']);
    expect(fetch.calls.map(tokensOf)).toEqual([['kept']]);
    expect(cube.pollerStats().waiting).toBe(0);
  });

  test("a 429 fails that tick's reads and pauses every request for its Retry-After; the next reads wait for it", async () => {
    let refused = false;
    const arrivals: number[] = [];
    const fetch = scriptedFetch((call) => {
      arrivals.push(Date.now());
      if (!refused) {
        refused = true;
        return json(429, { error: 'Too Many Requests' }, { 'retry-after': '0.3' });
      }
      return json(
        200,
        tokensOf(call).map((token) => ({ token, status: 'done' })),
      );
    });
    const cube = client(fetch, shared({ maxRetries: 3 }));
    const refusedReads = await Promise.all(
      [cube.readStatuses(['a']), cube.readStatuses(['b'])].map((read) => read.catch((e: unknown) => e)),
    );
    expect(refusedReads.map((error) => (error as Error).name)).toEqual([
      'CubeJobsRateLimitError',
      'CubeJobsRateLimitError',
    ]);
    const reads = await Promise.all([cube.readStatuses(['a']), cube.readStatuses(['b'])]);
    expect(reads.map((statuses) => statuses.map((s) => s.state))).toEqual([['done'], ['done']]);
    // One attempt per tick, whatever the client's maxRetries: the waits are the retry layer.
    expect(fetch.calls.map(tokensOf)).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect((arrivals[1] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(290);
    expect(cube.pollerStats().rateLimitPauses).toBe(1);
  });

  test('a failed request is not retried by the poller, whatever the client allows', async () => {
    const fetch = scriptedFetch(() => json(503, { error: 'Cube is restarting' }));
    const cube = client(fetch, shared({ maxRetries: 3 }));
    await expect(cube.readStatuses(['a'])).rejects.toBeInstanceOf(CubeJobsServerError);
    expect(fetch.calls).toHaveLength(1);
  });

  test("another error fails the reads of that request with the client's typed error", async () => {
    const fetch = scriptedFetch(() => json(503, { error: 'Cube is restarting' }));
    const cube = client(fetch, shared({ maxRetries: 0 }));
    const error = await cube.readStatuses(['a']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsServerError);
    expect(cube.pollerStats().waiting).toBe(0);
  });

  test('nothing is left behind after 10,000 reads', async () => {
    const fetch = statusFetch(() => 'done');
    const cube = client(fetch, shared({ pollTickMs: 1, statusBatchSize: 10_000 }));
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => cube.readStatuses([`r${round}-${i}`])));
    }
    expect(cube.pollerStats()).toMatchObject({ waiting: 0, reads: 10_000 });
    expect(fetch.calls.length).toBeLessThanOrEqual(20);
  });

  test('waitForJobs of many builds on one client share their polls', async () => {
    let polls = 0;
    const fetch = scriptedFetch((call) => {
      polls += 1;
      return json(
        200,
        tokensOf(call).map((token) => ({ token, status: polls >= 3 ? 'done' : 'processing' })),
      );
    });
    const cube = client(fetch, shared());
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        cube.waitForJobs({ tokens: [`b${i}-1`, `b${i}-2`], schedule: { initialPollIntervalMs: 5 } }),
      ),
    );
    expect(results.map((r) => r.outcome)).toEqual(Array(25).fill('succeeded'));
    expect(polls).toBe(3);
  });

  test('independent polling sends one request per read', async () => {
    const fetch = statusFetch();
    const cube = client(fetch, { statusPolling: 'independent', maxRequestsPerSecond: Infinity });
    await Promise.all([cube.readStatuses(['a']), cube.readStatuses(['b'])]);
    expect(fetch.calls.map(tokensOf).sort()).toEqual([['a'], ['b']]);
  });
});

describe('maxRequestsPerSecond', () => {
  test('spaces every request of a client, post and get alike, to the rate once the burst is used', async () => {
    const fetch = scriptedFetch((call) => {
      const body = call.body as { action: string; tokens?: string[] };
      return json(
        200,
        body.action === 'post' ? ['t'] : (body.tokens ?? []).map((token) => ({ token, status: 'done' })),
      );
    });
    const arrivals: number[] = [];
    const timed: typeof fetch = Object.assign(
      async (url: string, init: RequestInit) => {
        arrivals.push(Date.now());
        return fetch(url, init);
      },
      { calls: fetch.calls },
    );
    const cube = client(timed, { maxRequestsPerSecond: 10, rateLimitBurst: 1, statusPolling: 'independent' });
    const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'] };
    await Promise.all([
      cube.triggerBuild(selector),
      cube.getJobStatuses(['a']),
      cube.triggerBuild(selector),
      cube.getJobStatuses(['b']),
    ]);
    const gaps = arrivals.slice(1).map((at, i) => at - (arrivals[i] as number));
    expect(gaps).toHaveLength(3);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(95);
  });

  test('rejects a rate that is not a positive number, naming the option', () => {
    expect(() => client(statusFetch(), { maxRequestsPerSecond: 0 })).toThrow(
      /options\.maxRequestsPerSecond: must be a number of requests per second greater than 0/,
    );
    expect(() => client(statusFetch(), { pollTickMs: -1 })).toThrow(/options\.advanced\.pollTickMs/);
  });
});

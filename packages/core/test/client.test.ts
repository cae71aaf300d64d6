import { describe, expect, test } from 'vitest';
import { decodeJwt } from 'jose';
import {
  CubeJobsAbortError,
  CubeJobsAuthError,
  CubeJobsBadRequestError,
  CubeJobsConnectionError,
  CubeJobsContinueWaitError,
  CubeJobsMissingScopeError,
  CubeJobsProtocolError,
  CubeJobsRateLimitError,
  CubeJobsServerError,
  CubeJobsTimeoutError,
  PreAggregationBuildFailedError,
  PreAggregationWaitTimeoutError,
  createCubeJobsClient,
  nextPollIntervalMs,
  type CubeJobsClientOptions,
} from '../src/index.js';
import { hang, json, scriptedFetch, selector } from './helpers.js';

const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 5 } as const;

function client(fetch: ReturnType<typeof scriptedFetch>, extra: Partial<CubeJobsClientOptions> = {}) {
  return createCubeJobsClient({ apiUrl: 'http://cube.test/cubejs-api', token: 'static-token-value', fetch, ...fast, ...extra });
}

describe('triggerBuild', () => {
  test('posts the selector and returns the tokens', async () => {
    const fetch = scriptedFetch(() => json(200, ['t1', 't2']));
    const tokens = await client(fetch).triggerBuild({ ...selector, preAggregations: ['orders.by_month'] });
    expect(tokens).toEqual(['t1', 't2']);
    expect(fetch.calls[0]?.body).toEqual({ action: 'post', selector: { ...selector, preAggregations: ['orders.by_month'] } });
    expect(fetch.calls[0]?.url).toBe('http://cube.test/cubejs-api/v1/pre-aggregations/jobs');
    expect(fetch.calls[0]?.headers.authorization).toBe('static-token-value');
    expect(fetch.calls[0]?.headers['content-type']).toBe('application/json');
  });

  test('sends Bearer when asked and keeps extra headers', async () => {
    const fetch = scriptedFetch(() => json(200, ['t1']));
    await client(fetch, { authorizationScheme: 'bearer', headers: { 'x-tenant': 'a' } }).triggerBuild(selector);
    expect(fetch.calls[0]?.headers.authorization).toBe('Bearer static-token-value');
    expect(fetch.calls[0]?.headers['x-tenant']).toBe('a');
  });

  test('retries Continue wait and never takes it for tokens', async () => {
    const fetch = scriptedFetch(() => json(200, { error: 'Continue wait' }), () => json(200, ['t1']));
    expect(await client(fetch).triggerBuild(selector)).toEqual(['t1']);
    expect(fetch.calls).toHaveLength(2);
  });

  test('gives up on endless Continue wait with a retryable error', async () => {
    const fetch = scriptedFetch(() => json(200, { error: 'Continue wait' }));
    const error = await client(fetch, { maxRetries: 2 }).triggerBuild(selector).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsContinueWaitError);
    expect((error as CubeJobsContinueWaitError).retryable).toBe(true);
    expect(fetch.calls).toHaveLength(3);
  });

  test('a 2xx answer of the wrong shape is a protocol error', async () => {
    const fetch = scriptedFetch(() => json(200, { tokens: ['t1'] }));
    await expect(client(fetch).triggerBuild(selector)).rejects.toBeInstanceOf(CubeJobsProtocolError);
  });

  test('a 2xx answer that is not JSON is a protocol error', async () => {
    const fetch = scriptedFetch(() => new Response('<html>', { status: 200 }));
    await expect(client(fetch).triggerBuild(selector)).rejects.toBeInstanceOf(CubeJobsProtocolError);
  });

  test('uses one request id per call with a span per attempt', async () => {
    const fetch = scriptedFetch(() => json(503, { error: 'busy' }), () => json(200, ['t1']));
    await client(fetch).triggerBuild(selector, { requestId: 'wf-1:act-2' });
    expect(fetch.calls.map((c) => c.headers['x-request-id'])).toEqual(['wf-1:act-2-span-1', 'wf-1:act-2-span-2']);
  });
});

describe('errors by status', () => {
  test.each([
    [400, { type: 'UserError', error: "A user's selector doesn't match any of the pre-aggregations defined in the data model." }, CubeJobsBadRequestError, false],
    [403, { error: 'Invalid token' }, CubeJobsAuthError, false],
    [403, { error: "Authorization header isn't set" }, CubeJobsAuthError, false],
    [401, { error: 'Unauthorized' }, CubeJobsAuthError, false],
    [403, { error: 'API scope is missing: jobs' }, CubeJobsMissingScopeError, false],
    [500, { error: 'TypeError: boom' }, CubeJobsServerError, true],
    [429, { error: 'slow down' }, CubeJobsRateLimitError, true],
  ])('%i %o → %o', async (status, body, type, retryable) => {
    const fetch = scriptedFetch(() => json(status, body));
    const error = await client(fetch, { maxRetries: 0 }).triggerBuild(selector).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as CubeJobsBadRequestError).status).toBe(status);
    expect((error as CubeJobsBadRequestError).cubeMessage).toBe(body.error);
    expect((error as Error).message).toContain(body.error);
    expect((error as CubeJobsBadRequestError).retryable).toBe(retryable);
    expect((error as Error).name).toBe(type.name);
  });

  test('the schema-creation race of a first post on an empty database is retried', async () => {
    const fetch = scriptedFetch(
      () => json(400, { error: 'error: duplicate key value violates unique constraint "pg_namespace_nspname_index"' }),
      () => json(200, ['t1']),
    );
    expect(await client(fetch).triggerBuild(selector)).toEqual(['t1']);
    expect(fetch.calls).toHaveLength(2);
  });

  test('non-retryable errors are not retried', async () => {
    const fetch = scriptedFetch(() => json(400, { error: 'Invalid Job query format: "action" must be one of [post, get]' }));
    await expect(client(fetch, { maxRetries: 5 }).triggerBuild(selector)).rejects.toBeInstanceOf(CubeJobsBadRequestError);
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('retries', () => {
  test('retries 5xx and connection errors up to maxRetries, then throws the last error', async () => {
    const fetch = scriptedFetch(
      () => json(502, { error: 'bad gateway' }),
      () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
      },
    );
    const error = await client(fetch, { maxRetries: 2 }).triggerBuild(selector).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsConnectionError);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(fetch.calls).toHaveLength(3);
  });

  test('honours Retry-After on 429', async () => {
    const fetch = scriptedFetch(() => json(429, { error: 'slow down' }, { 'retry-after': '0.2' }), () => json(200, ['t1']));
    const started = performance.now();
    await client(fetch, { retryMaxDelayMs: 10_000 }).triggerBuild(selector);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(fetch.calls).toHaveLength(2);
  });

  test('times out a hanging attempt and retries it', async () => {
    const fetch = scriptedFetch(hang, () => json(200, ['t1']));
    expect(await client(fetch, { timeoutMs: 50 }).triggerBuild(selector)).toEqual(['t1']);
    expect(fetch.calls).toHaveLength(2);
  });

  test('a timeout on the last attempt is a CubeJobsTimeoutError', async () => {
    const fetch = scriptedFetch(hang);
    const error = await client(fetch, { timeoutMs: 30, maxRetries: 1 }).triggerBuild(selector).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsTimeoutError);
    expect(fetch.calls).toHaveLength(2);
  });

  test('the caller abort stops at once and is never retried', async () => {
    const fetch = scriptedFetch(hang);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await client(fetch, { maxRetries: 5 }).triggerBuild(selector, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsAbortError);
    expect(fetch.calls).toHaveLength(1);
  });

  test('an abort during backoff stops the retries', async () => {
    const fetch = scriptedFetch(() => json(503, { error: 'busy' }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await client(fetch, { maxRetries: 5, retryBaseDelayMs: 10_000, retryMaxDelayMs: 10_000 })
      .triggerBuild(selector, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsAbortError);
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('getJobStatuses', () => {
  test('normalises object answers and keeps request order', async () => {
    const fetch = scriptedFetch(() => json(200, { b: { status: 'done', table: 'tb' }, a: { status: 'processing', table: 'ta' } }));
    const statuses = await client(fetch).getJobStatuses(['a', 'b']);
    expect(statuses.map((s) => [s.token, s.state, s.table])).toEqual([
      ['a', 'processing', 'ta'],
      ['b', 'done', 'tb'],
    ]);
  });

  test('splits long token lists into batches', async () => {
    const fetch = scriptedFetch((call) => json(200, (call.body as { tokens: string[] }).tokens.map((token) => ({ token, status: 'done' }))));
    const tokens = Array.from({ length: 25 }, (_, i) => `t${i}`);
    const statuses = await client(fetch, { statusBatchSize: 10 }).getJobStatuses(tokens);
    expect(fetch.calls.map((c) => (c.body as { tokens: string[] }).tokens.length)).toEqual([10, 10, 5]);
    expect(statuses.map((s) => s.token)).toEqual(tokens);
  });

  test('rejects an answer about tokens that were not asked for', async () => {
    const fetch = scriptedFetch(() => json(200, [{ token: 'zzz', status: 'done' }]));
    await expect(client(fetch).getJobStatuses(['a'])).rejects.toBeInstanceOf(CubeJobsProtocolError);
  });
});

describe('JWT from apiSecret', () => {
  test('mints an HS256 token with a real exp, and mints again near expiry', async () => {
    const fetch = scriptedFetch(() => json(200, ['t1']));
    const cube = createCubeJobsClient({
      apiUrl: 'http://cube.test',
      apiSecret: 'the-api-secret-xyz',
      securityContext: { tenant: 'a' },
      tokenTtlMs: 2000,
      fetch,
    });
    await cube.triggerBuild(selector);
    await cube.triggerBuild(selector);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await cube.triggerBuild(selector);
    const tokens = fetch.calls.map((c) => c.headers.authorization as string);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
    const claims = decodeJwt(tokens[0] as string);
    expect(claims.tenant).toBe('a');
    expect(typeof claims.exp).toBe('number');
    expect((claims.exp as number) - (claims.iat as number)).toBe(2);
  });

  test('calls an async token provider before each request', async () => {
    let n = 0;
    const fetch = scriptedFetch(() => json(200, ['t1']));
    const cube = createCubeJobsClient({ apiUrl: 'http://cube.test', token: async () => `provided-token-${++n}`, fetch });
    await cube.triggerBuild(selector);
    await cube.triggerBuild(selector);
    expect(fetch.calls.map((c) => c.headers.authorization)).toEqual(['provided-token-1', 'provided-token-2']);
  });
});

describe('waitForJobs', () => {
  test('polls only unfinished tokens and returns every final status', async () => {
    const answers: Record<string, string[]> = { a: ['processing', 'done'], b: ['done'], c: ['scheduled', 'processing', 'done'] };
    const fetch = scriptedFetch((call) =>
      json(200, (call.body as { tokens: string[] }).tokens.map((token) => ({ token, status: answers[token]?.shift() ?? 'done', table: `t_${token}` }))),
    );
    const progress: number[] = [];
    const result = await client(fetch).waitForJobs({
      tokens: ['a', 'b', 'c'],
      initialPollIntervalMs: 5,
      onProgress: (p) => {
        progress.push(p.summary.counts.done);
      },
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.jobs.map((j) => [j.token, j.state, j.table])).toEqual([
      ['a', 'done', 't_a'],
      ['b', 'done', 't_b'],
      ['c', 'done', 't_c'],
    ]);
    expect(fetch.calls.map((c) => (c.body as { tokens: string[] }).tokens)).toEqual([['a', 'b', 'c'], ['a', 'c'], ['c']]);
    expect(progress).toEqual([1, 2, 3]);
    expect(result.polls).toBe(3);
  });

  test('fails listing every failed job once the others finish (failFast off)', async () => {
    const fetch = scriptedFetch(() => json(200, [
      { token: 'a', status: 'failure: boom' },
      { token: 'b', status: 'failure: bang' },
      { token: 'c', status: 'done' },
    ]));
    const error = await client(fetch).waitForJobs({ tokens: ['a', 'b', 'c'], initialPollIntervalMs: 1, failFast: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreAggregationBuildFailedError);
    expect((error as PreAggregationBuildFailedError).failedJobs.map((j) => j.token)).toEqual(['a', 'b']);
    expect((error as Error).message).toMatch(/2 pre-aggregation jobs failed.*boom.*bang/);
  });

  test('stops at the deadline with the pending jobs', async () => {
    const fetch = scriptedFetch(() => json(200, [{ token: 'a', status: 'processing' }]));
    const error = await client(fetch).waitForJobs({ tokens: ['a'], initialPollIntervalMs: 10, deadlineMs: 60 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreAggregationWaitTimeoutError);
    expect((error as PreAggregationWaitTimeoutError).pendingJobs.map((j) => j.token)).toEqual(['a']);
  });

  test('a retrigger policy ends the wait with the jobs to trigger again, once they stayed ambiguous', async () => {
    const statuses: Record<string, string> = { a: 'done', b: 'not_found' };
    const fetch = scriptedFetch((call) => json(200, (call.body as { tokens: string[] }).tokens.map((token) => ({ token, status: statuses[token] }))));
    const result = await client(fetch).waitForJobs({
      tokens: ['a', 'b'],
      initialPollIntervalMs: 5,
      policy: { onNotFound: 'retrigger', ambiguousConfirmMs: 40 },
    });
    expect(result.outcome).toBe('retrigger');
    expect(result.summary.retrigger.map((j) => j.token)).toEqual(['b']);
    // The first sighting only starts the confirmation: `b` alone is polled again until 40 ms passed.
    expect(fetch.calls.length).toBeGreaterThan(2);
    expect(fetch.calls.slice(1).map((c) => (c.body as { tokens: string[] }).tokens)).toEqual(fetch.calls.slice(1).map(() => ['b']));
  });

  test('a job that is missing_partition for a moment (merged into an identical queued build) is not triggered again', async () => {
    const fetch = scriptedFetch(
      () => json(200, [{ token: 'a', status: 'processing' }, { token: 'b', status: 'missing_partition' }]),
      () => json(200, [{ token: 'a', status: 'done' }, { token: 'b', status: 'missing_partition' }]),
      () => json(200, [{ token: 'b', status: 'done' }]),
    );
    const result = await client(fetch).waitForJobs({ tokens: ['a', 'b'], initialPollIntervalMs: 5, policy: { onMissingPartition: 'retrigger' } });
    expect(result.outcome).toBe('succeeded');
    expect(result.summary.retrigger).toEqual([]);
    expect(fetch.calls).toHaveLength(3);
  });

  test('aborts promptly', async () => {
    const fetch = scriptedFetch(() => json(200, [{ token: 'a', status: 'processing' }]));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(client(fetch).waitForJobs({ tokens: ['a'], initialPollIntervalMs: 10_000, signal: controller.signal })).rejects.toBeInstanceOf(CubeJobsAbortError);
  });

  test('resumes without waiting and keeps the poll count', async () => {
    const fetch = scriptedFetch(() => json(200, [{ token: 'a', status: 'done' }]));
    const result = await client(fetch).waitForJobs({
      tokens: ['a'],
      initialPollIntervalMs: 60_000,
      resumeFrom: { startedAtMs: Date.now() - 5000, polls: 7, ambiguousSinceMs: {} },
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
    expect(nextPollIntervalMs(10, 100_000, { initialPollIntervalMs: 10, maxPollIntervalMs: 100_000, pollLatencyFraction: 0.2 })).toBe(15);
  });
});

describe('waitForJobs and transient poll failures', () => {
  test('a few failed polls in a row are tolerated', async () => {
    const fetch = scriptedFetch(
      () => json(503, { error: 'restarting' }),
      () => json(502, { error: 'restarting' }),
      () => json(200, [{ token: 'a', status: 'done' }]),
    );
    const errors: number[] = [];
    const result = await client(fetch, { maxRetries: 0 }).waitForJobs({ tokens: ['a'], initialPollIntervalMs: 1, onPollError: (_e, n) => errors.push(n) });
    expect(result.outcome).toBe('succeeded');
    expect(errors).toEqual([1, 2]);
  });

  test('too many failed polls in a row end the wait with the last error', async () => {
    const fetch = scriptedFetch(() => json(503, { error: 'down' }));
    await expect(client(fetch, { maxRetries: 0 }).waitForJobs({ tokens: ['a'], initialPollIntervalMs: 1, maxConsecutivePollFailures: 2 })).rejects.toBeInstanceOf(CubeJobsServerError);
    expect(fetch.calls).toHaveLength(3);
  });

  test('a non-retryable poll error ends the wait at once', async () => {
    const fetch = scriptedFetch(() => json(403, { error: 'Invalid token' }));
    await expect(client(fetch, { maxRetries: 0 }).waitForJobs({ tokens: ['a'], initialPollIntervalMs: 1 })).rejects.toBeInstanceOf(CubeJobsAuthError);
    expect(fetch.calls).toHaveLength(1);
  });
});

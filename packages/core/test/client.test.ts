/** The client's requests: triggers, statuses, errors by status, retries, timeouts, aborts and JWTs, over a scripted fetch. */
import { describe, expect, test } from 'vitest';
import { decodeJwt } from 'jose';
import { CubeJobsContinueWaitError } from '../src/errors.js';
import {
  createCubeJobsClient,
  CubeJobsAbortError,
  CubeJobsAuthError,
  CubeJobsBadRequestError,
  CubeJobsConnectionError,
  CubeJobsMissingScopeError,
  CubeJobsProtocolError,
  CubeJobsRateLimitError,
  CubeJobsServerError,
  CubeJobsTimeoutError,
  CubeJobsUnsupportedError,
  type CubeRequestEvent,
} from '../src/index.js';
import { client, hang, json, scriptedFetch, selector } from './helpers.js';

describe('triggerBuild', () => {
  test('posts the selector and returns the tokens', async () => {
    const fetch = scriptedFetch(() => json(200, ['t1', 't2']));
    const tokens = await client(fetch).triggerBuild({ ...selector, preAggregations: ['orders.by_month'] });
    expect(tokens).toEqual(['t1', 't2']);
    expect(fetch.calls[0]?.body).toEqual({
      action: 'post',
      selector: { ...selector, preAggregations: ['orders.by_month'] },
    });
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
    const fetch = scriptedFetch(
      () => json(200, { error: 'Continue wait' }),
      () => json(200, ['t1']),
    );
    expect(await client(fetch).triggerBuild(selector)).toEqual(['t1']);
    expect(fetch.calls).toHaveLength(2);
  });

  test('gives up on endless Continue wait with a retryable error', async () => {
    const fetch = scriptedFetch(() => json(200, { error: 'Continue wait' }));
    const error = await client(fetch, { maxRetries: 2 })
      .triggerBuild(selector)
      .catch((e: unknown) => e);
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
    const fetch = scriptedFetch(
      () => json(503, { error: 'busy' }),
      () => json(200, ['t1']),
    );
    await client(fetch).triggerBuild(selector, { requestId: 'wf-1:act-2' });
    expect(fetch.calls.map((c) => c.headers['x-request-id'])).toEqual(['wf-1:act-2-span-1', 'wf-1:act-2-span-2']);
  });
});

describe('errors by status', () => {
  test.each([
    [
      400,
      {
        type: 'UserError',
        error: "A user's selector doesn't match any of the pre-aggregations defined in the data model.",
      },
      CubeJobsBadRequestError,
      false,
    ],
    [403, { error: 'Invalid token' }, CubeJobsAuthError, false],
    [403, { error: "Authorization header isn't set" }, CubeJobsAuthError, false],
    [401, { error: 'Unauthorized' }, CubeJobsAuthError, false],
    [403, { error: 'API scope is missing: jobs' }, CubeJobsMissingScopeError, false],
    [500, { error: 'TypeError: boom' }, CubeJobsServerError, true],
    [429, { error: 'slow down' }, CubeJobsRateLimitError, true],
  ])('%i %o → %o', async (status, body, type, retryable) => {
    const fetch = scriptedFetch(() => json(status, body));
    const error = await client(fetch, { maxRetries: 0 })
      .triggerBuild(selector)
      .catch((e: unknown) => e);
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
    const fetch = scriptedFetch(() =>
      json(400, { error: 'Invalid Job query format: "action" must be one of [post, get]' }),
    );
    await expect(client(fetch, { maxRetries: 5 }).triggerBuild(selector)).rejects.toBeInstanceOf(
      CubeJobsBadRequestError,
    );
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('retries', () => {
  test('retries 5xx and connection errors up to maxRetries, then throws the last error', async () => {
    const fetch = scriptedFetch(
      () => json(502, { error: 'bad gateway' }),
      () => {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      },
    );
    const error = await client(fetch, { maxRetries: 2 })
      .triggerBuild(selector)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsConnectionError);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(fetch.calls).toHaveLength(3);
  });

  test('honours Retry-After on 429', async () => {
    const fetch = scriptedFetch(
      () => json(429, { error: 'slow down' }, { 'retry-after': '0.2' }),
      () => json(200, ['t1']),
    );
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
    const error = await client(fetch, { timeoutMs: 30, maxRetries: 1 })
      .triggerBuild(selector)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsTimeoutError);
    expect(fetch.calls).toHaveLength(2);
  });

  test('the caller abort stops at once and is never retried', async () => {
    const fetch = scriptedFetch(hang);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await client(fetch, { maxRetries: 5 })
      .triggerBuild(selector, { signal: controller.signal })
      .catch((e: unknown) => e);
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

describe('older Cube releases', () => {
  const monthly = { ...selector, preAggregations: ['orders.by_month'], dateRange: ['2024-02-01', '2024-02-29'] };

  test('a dateRange selector is refused, before any post, by a Cube that would ignore it (0.35 and earlier)', async () => {
    // Cube 0.33.65 answers an empty status read with 200 and an empty list.
    const fetch = scriptedFetch(() => json(200, []));
    const error = await client(fetch)
      .triggerBuild(monthly as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsUnsupportedError);
    expect(error).toMatchObject({ feature: 'dateRange', retryable: false, name: 'CubeJobsUnsupportedError' });
    expect((error as Error).message).toMatch(/selector\.dateRange needs a Cube release whose jobs API honours it/);
    expect(fetch.calls.map((call) => call.body)).toEqual([{ action: 'get', tokens: [] }]);
  });

  test('a Cube that validates requests (1.x) is asked once per client, then posts go straight through', async () => {
    const fetch = scriptedFetch((call) =>
      (call.body as { action: string }).action === 'get'
        ? json(400, { error: 'Invalid Job query format: "tokens" must contain at least 1 items' })
        : json(200, ['t1']),
    );
    const cube = client(fetch);
    expect(await cube.triggerBuild(monthly as never, { requestId: 'build-7' })).toEqual(['t1']);
    expect(await cube.triggerBuild(monthly as never)).toEqual(['t1']);
    expect(await cube.triggerBuild(selector)).toEqual(['t1']);
    expect(fetch.calls.map((call) => (call.body as { action: string }).action)).toEqual([
      'get',
      'post',
      'post',
      'post',
    ]);
    expect(fetch.calls[0]?.headers['x-request-id']).toBe('build-7-date-range-check-span-1');
  });

  test("an unknown token's 500 from a Cube before 0.34 reads as not_found, the other tokens as they are", async () => {
    const legacyError = { error: "TypeError: Cannot read properties of undefined (reading 'context')" };
    const fetch = scriptedFetch((call) => {
      const tokens = (call.body as { tokens: string[] }).tokens;
      if (tokens.includes('lost')) return json(500, legacyError);
      return json(
        200,
        tokens.map((token) => ({ token, status: 'done' })),
      );
    });
    const statuses = await client(fetch, { maxRetries: 0 }).getJobStatuses(['a', 'lost', 'b']);
    expect(statuses.map((status) => [status.token, status.state])).toEqual([
      ['a', 'done'],
      ['lost', 'not_found'],
      ['b', 'done'],
    ]);
  });

  test('any other 500 stays a server error', async () => {
    const fetch = scriptedFetch(() => json(500, { error: 'Error: connection terminated' }));
    await expect(client(fetch, { maxRetries: 0 }).getJobStatuses(['a'])).rejects.toBeInstanceOf(CubeJobsServerError);
  });
});

describe('onRequest', () => {
  test('reports every attempt: its action, status code, typed result, token count and duration', async () => {
    const events: CubeRequestEvent[] = [];
    const fetch = scriptedFetch(
      () => json(503, { error: 'restarting' }),
      () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
      },
      () => json(200, ['t1', 't2', 't3']),
    );
    const cube = client(fetch, { maxRetries: 2, onRequest: (event) => events.push(event) });
    await cube.triggerBuild(selector, { requestId: 'build-1' });
    expect(
      events.map(({ action, attempt, requestId, statusCode, result, tokenCount }) => ({
        action,
        attempt,
        requestId,
        statusCode,
        result,
        tokenCount,
      })),
    ).toEqual([
      {
        action: 'post',
        attempt: 1,
        requestId: 'build-1-span-1',
        statusCode: 503,
        result: 'CubeJobsServerError',
        tokenCount: undefined,
      },
      {
        action: 'post',
        attempt: 2,
        requestId: 'build-1-span-2',
        statusCode: undefined,
        result: 'CubeJobsConnectionError',
        tokenCount: undefined,
      },
      { action: 'post', attempt: 3, requestId: 'build-1-span-3', statusCode: 200, result: 'ok', tokenCount: 3 },
    ]);
    for (const event of events) expect(event.durationMs).toBeGreaterThanOrEqual(0);
  });

  test('counts the tokens a get asks about, and an observer that throws changes nothing', async () => {
    const seen: CubeRequestEvent[] = [];
    const fetch = scriptedFetch(() =>
      json(200, [
        { token: 'a', status: 'done' },
        { token: 'b', status: 'processing' },
      ]),
    );
    const cube = client(fetch, {
      onRequest: (event) => {
        seen.push(event);
        throw new Error('broken observer');
      },
    });
    const jobs = await cube.getJobStatuses(['a', 'b']);
    expect(jobs.map((job) => job.state)).toEqual(['done', 'processing']);
    expect(seen).toMatchObject([{ action: 'get', statusCode: 200, result: 'ok', tokenCount: 2 }]);
  });

  test('onRequest must be a function', () => {
    expect(() => client(scriptedFetch(), { onRequest: 'metrics' as never })).toThrow(/onRequest: must be a function/);
  });
});

describe('getJobStatuses', () => {
  test('normalises object answers and keeps request order', async () => {
    const fetch = scriptedFetch(() =>
      json(200, { b: { status: 'done', table: 'tb' }, a: { status: 'processing', table: 'ta' } }),
    );
    const statuses = await client(fetch).getJobStatuses(['a', 'b']);
    expect(statuses.map((s) => [s.token, s.state, s.table])).toEqual([
      ['a', 'processing', 'ta'],
      ['b', 'done', 'tb'],
    ]);
  });

  test('splits long token lists into batches', async () => {
    const fetch = scriptedFetch((call) =>
      json(
        200,
        (call.body as { tokens: string[] }).tokens.map((token) => ({ token, status: 'done' })),
      ),
    );
    const tokens = Array.from({ length: 25 }, (_, i) => `t${i}`);
    const statuses = await client(fetch, { statusBatchSize: 10 }).getJobStatuses(tokens);
    expect(fetch.calls.map((c) => (c.body as { tokens: string[] }).tokens.length)).toEqual([10, 10, 5]);
    expect(statuses.map((s) => s.token)).toEqual(tokens);
  });

  test("reads a merged job's twin with it, at once when found and with every read after", async () => {
    const now = Math.floor(Date.now() / 1000);
    const table = (seconds: number) =>
      `prod_pre_aggregations.orders_by_month20240101_ysj01b0v_kkzbhcng_${seconds.toString(32)}`;
    const answers: Record<string, { status: string; table: string }[]> = {
      a: [{ status: 'processing', table: table(now - 5) }],
      b: [{ status: 'missing_partition', table: table(now) }],
    };
    let twinDone = false;
    const fetch = scriptedFetch((call) =>
      json(
        200,
        (call.body as { tokens: string[] }).tokens.map((token) => ({
          token,
          ...(token === 'a' && twinDone ? { status: 'done', table: table(now - 5) } : answers[token]?.[0]),
        })),
      ),
    );
    const cube = client(fetch);
    await cube.getJobStatuses(['a']); // build A's wait
    const [merged] = await cube.getJobStatuses(['b']); // build B's wait: b is found merged into a
    expect(merged).toMatchObject({ state: 'processing', merge: { token: 'a' } });
    twinDone = true;
    const [done] = await cube.getJobStatuses(['b']);
    expect(done).toMatchObject({
      raw: 'missing_partition',
      state: 'done',
      merge: { token: 'a', table: table(now - 5) },
    });
    expect(fetch.calls.map((c) => (c.body as { tokens: string[] }).tokens)).toEqual([['a'], ['b'], ['a'], ['b', 'a']]);
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
      advanced: { tokenTtlMs: 2000, fetch },
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
    const cube = createCubeJobsClient({
      apiUrl: 'http://cube.test',
      token: () => Promise.resolve(`provided-token-${++n}`),
      advanced: { fetch },
    });
    await cube.triggerBuild(selector);
    await cube.triggerBuild(selector);
    expect(fetch.calls.map((c) => c.headers.authorization)).toEqual(['provided-token-1', 'provided-token-2']);
  });
});

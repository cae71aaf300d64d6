/** The fake Cube's HTTP layer: authentication and scopes, validation in Cube's wording, and injected faults. */
import { describe, expect, test } from 'vitest';
import { SignJWT } from 'jose';
import { createManualClock } from '@cube-jobs/dev-tools';
import { sampleModel, startFakeCube } from '../src/index.js';
import { peakPerSecond } from '../src/rate-limit.js';
import { rawJobs, selector, sleep, useFakeCubes } from './helpers.js';

const start = useFakeCubes();

describe('auth and scopes', () => {
  test.each([
    ['no header', null, undefined, 403, "Authorization header isn't set"],
    ['wrong secret', 'eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.wrongsignaturewrongsignature', undefined, 403, 'Invalid token'],
    ['garbage', 'not-a-jwt', undefined, 403, 'Invalid token'],
  ])('%s → %i %s', async (_name, token, header, status, error) => {
    const fake = await start();
    expect(await rawJobs(fake, { action: 'post', selector }, { token, ...(header ? { header } : {}) })).toEqual({
      status,
      body: { error },
    });
  });

  test('an expired JWT is invalid', async () => {
    const fake = await start();
    const token = await fake.signToken({}, { expiresInMs: -3_600_000 });
    expect(await rawJobs(fake, { action: 'post', selector }, { token })).toEqual({
      status: 403,
      body: { error: 'Invalid token' },
    });
  });

  test('accepts raw, Bearer and x-cube-authorization, and logs the claims', async () => {
    const fake = await start();
    const token = await fake.signToken({ who: 'me' });
    expect((await rawJobs(fake, { action: 'post', selector }, { token })).status).toBe(200);
    expect((await rawJobs(fake, { action: 'post', selector }, { token: `Bearer ${token}` })).status).toBe(200);
    expect((await rawJobs(fake, { action: 'post', selector }, { token, header: 'x-cube-authorization' })).status).toBe(
      200,
    );
    expect(fake.requests.map((r) => r.claims?.who)).toEqual(['me', 'me', 'me']);
  });

  test('a token without the jobs scope is refused before the body is read', async () => {
    const fake = await start();
    const token = await fake.signToken({ scopes: ['meta', 'data'] });
    expect(await rawJobs(fake, {}, { token })).toEqual({ status: 403, body: { error: 'API scope is missing: jobs' } });
    const narrow = await start({ scopes: ['meta'] });
    expect(await rawJobs(narrow, { action: 'get', tokens: ['a'] })).toEqual({
      status: 403,
      body: { error: 'API scope is missing: jobs' },
    });
    await narrow.stop();
  });

  test("with JWKs, keys are chosen by kid, with Cube's errors", async () => {
    const fake = await start({ jwks: { k1: 'jwk-secret-one-123456' } });
    const sign = (kid: string | undefined, secret: string) => {
      const jwt = new SignJWT({})
        .setProtectedHeader(kid ? { alg: 'HS256', kid } : { alg: 'HS256' })
        .setExpirationTime('1h');
      return jwt.sign(new TextEncoder().encode(secret));
    };
    expect(
      (await rawJobs(fake, { action: 'post', selector }, { token: await sign('k1', 'jwk-secret-one-123456') })).status,
    ).toBe(200);
    expect(
      await rawJobs(fake, { action: 'post', selector }, { token: await sign(undefined, 'jwk-secret-one-123456') }),
    ).toEqual({ status: 403, body: { error: 'JWT without kid inside headers' } });
    expect(await rawJobs(fake, { action: 'post', selector }, { token: await sign('k9', 'x-secret-999999') })).toEqual({
      status: 403,
      body: { error: 'Unable to verify, JWK with kid: "k9" not found' },
    });
    expect(await rawJobs(fake, { action: 'post', selector }, { token: 'garbage' })).toEqual({
      status: 403,
      body: { error: 'Unable to decode JWT key' },
    });
    expect(
      await rawJobs(fake, { action: 'post', selector }, { token: await sign('k1', 'a-wrong-secret-0000') }),
    ).toEqual({ status: 403, body: { error: 'Invalid token' } });
  });

  test('a scopes function that throws is a 500 with its text, as Cube answers', async () => {
    const fake = await start({
      scopes: () => {
        throw new Error('A user-defined contextToApiScopes function returns a wrong scope: admin');
      },
    });
    expect(await rawJobs(fake, { action: 'post', selector })).toEqual({
      status: 500,
      body: { error: 'Error: A user-defined contextToApiScopes function returns a wrong scope: admin' },
    });
  });

  test('dev mode skips authentication', async () => {
    const fake = await start({ devMode: true });
    expect((await rawJobs(fake, { action: 'post', selector }, { token: null })).status).toBe(200);
  });
});

describe('validation in Cube 1.7 wording', () => {
  const post = (extra: object) => ({ action: 'post', selector: { ...selector, ...extra } });
  test.each([
    [{}, 400, 'No job description provided'],
    [{ action: 'delete' }, 400, 'Invalid Job query format: "action" must be one of [post, get]'],
    [{ action: 'post' }, 500, "TypeError: Cannot read properties of undefined (reading 'dateRange')"],
    [
      { action: 'post', selector: { contexts: [{ securityContext: {} }] } },
      400,
      'Invalid Job query format: "selector.timezones" is required',
    ],
    [
      { action: 'post', selector: { timezones: ['UTC'] } },
      400,
      'Invalid Job query format: "selector.contexts" is required',
    ],
    [
      { action: 'post', selector: { contexts: [{}], timezones: ['UTC'] } },
      400,
      'Invalid Job query format: "selector.contexts[0].securityContext" is required',
    ],
    [
      { action: 'post', selector: { contexts: [], timezones: ['UTC'] } },
      400,
      'Invalid Job query format: "selector.contexts" must contain at least 1 items',
    ],
    [post({ timezones: [] }), 400, 'Invalid Job query format: "selector.timezones" must contain at least 1 items'],
    [post({ cubes: 'orders' }), 400, 'Invalid Job query format: "selector.cubes" must be an array'],
    [post({ tables: ['x'] }), 400, 'Invalid Job query format: "selector.tables" is not allowed'],
    [
      post({ timezones: ['Mars/Olympus_Mons'] }),
      400,
      'Invalid Job query format: "selector.timezones[0]" must be a valid IANA time zone, got "Mars/Olympus_Mons"',
    ],
    [
      post({ preAggregations: ['orders.no_such_rollup'] }),
      400,
      "A user's selector doesn't match any of the pre-aggregations defined in the data model.",
    ],
    [
      post({ cubes: ['nope'] }),
      400,
      "A user's selector doesn't match any of the pre-aggregations defined in the data model.",
    ],
    [
      post({ dataSources: ['nope'] }),
      400,
      "A user's selector doesn't match any of the pre-aggregations defined in the data model.",
    ],
    [
      post({ preAggregations: ['orders.by_month'], dateRange: ['not-a-date', '2024-02-01'] }),
      400,
      'Cannot parse selector date range not-a-date,2024-02-01',
    ],
    [post({ dateRange: ['2024-02-01'] }), 400, 'Invalid Job query format: "selector.dateRange" must contain 2 items'],
    [{ action: 'post', selector, tokens: ['a'] }, 400, 'Invalid Job query format: "tokens" is not allowed'],
    [{ action: 'get', tokens: [] }, 400, 'Invalid Job query format: "tokens" must contain at least 1 items'],
    [{ action: 'get' }, 400, 'Invalid Job query format: "tokens" is required'],
    [{ action: 'get', tokens: ['a'], resType: 'array' }, 400, 'Invalid Job query format: "resType" must be [object]'],
    [{ action: 'get', tokens: ['a'], selector }, 400, 'Invalid Job query format: "selector" is not allowed'],
  ])('%j → %i %s', async (body, status, error) => {
    const fake = await start();
    expect(await rawJobs(fake, body)).toEqual({ status, body: { error } });
  });

  test('malformed JSON is a 500 SyntaxError, a non-JSON content type an empty body', async () => {
    const fake = await start();
    const malformed = await rawJobs(fake, undefined, { raw: '{"action": "post", ' });
    expect(malformed.status).toBe(500);
    expect((malformed.body as { error: string }).error).toMatch(/^SyntaxError: /);
    expect(await rawJobs(fake, { action: 'post', selector }, { contentType: 'text/plain' })).toEqual({
      status: 400,
      body: { error: 'No job description provided' },
    });
  });

  test("GET on the endpoint is Express's 404 page; /readyz answers", async () => {
    const fake = await start();
    const res = await fetch(`${fake.url}/v1/pre-aggregations/jobs`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Cannot GET /cubejs-api/v1/pre-aggregations/jobs');
    expect((await fetch(fake.url.replace('/cubejs-api', '/readyz'))).status).toBe(200);
  });
});

describe('faults', () => {
  test('scoped by action and count', async () => {
    const fake = await start({ faults: [{ kind: 'http-error', status: 503, action: 'get', times: 2 }] });
    expect((await rawJobs(fake, { action: 'post', selector })).status).toBe(200);
    expect((await rawJobs(fake, { action: 'get', tokens: ['a'] })).status).toBe(503);
    expect((await rawJobs(fake, { action: 'get', tokens: ['a'] })).status).toBe(503);
    expect((await rawJobs(fake, { action: 'get', tokens: ['a'] })).status).toBe(200);
  });

  test('429 with Retry-After, Continue wait, latency, resets and hangs', async () => {
    const fake = await start();
    fake.setFaults([{ kind: 'rate-limit', retryAfterSeconds: 7, times: 1 }]);
    const limited = await fetch(`${fake.url}/v1/pre-aggregations/jobs`, { method: 'POST' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    fake.setFaults([{ kind: 'continue-wait', action: 'post', times: 1 }]);
    expect(await rawJobs(fake, { action: 'post', selector })).toEqual({
      status: 200,
      body: { error: 'Continue wait' },
    });
    fake.setFaults([{ kind: 'latency', ms: 150, times: 1 }]);
    const started = performance.now();
    await rawJobs(fake, { action: 'get', tokens: ['a'] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    fake.setFaults([{ kind: 'reset', times: 1 }]);
    await expect(rawJobs(fake, { action: 'get', tokens: ['a'] })).rejects.toThrow();
    fake.setFaults([{ kind: 'hang', times: 1 }]);
    await expect(
      fetch(`${fake.url}/v1/pre-aggregations/jobs`, { method: 'POST', signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
  });

  test('probabilistic faults repeat for the same seed', async () => {
    const pattern = async () => {
      const fake = await startFakeCube({ seed: 42, faults: [{ kind: 'http-error', status: 500, probability: 0.3 }] });
      const codes: number[] = [];
      for (let i = 0; i < 20; i += 1) codes.push((await rawJobs(fake, { action: 'get', tokens: ['a'] })).status);
      await fake.stop();
      return codes;
    };
    const first = await pattern();
    expect(first).toEqual(await pattern());
    expect(first).toContain(500);
    expect(first).toContain(200);
  });

  test('real time: a build finishes after its duration', async () => {
    const fake = await start({ buildDurationMs: 50, model: sampleModel() });
    const [token] = (await rawJobs(fake, { action: 'post', selector: { ...selector, cubes: ['customers'] } }))
      .body as string[];
    expect(fake.statusOf(token as string)).toBe('processing');
    await sleep(80);
    expect(fake.statusOf(token as string)).toBe('done');
  });
});

describe('rate limit', () => {
  test('refuses requests above the rate with 429 and Retry-After, as Cube Cloud does, and counts them', async () => {
    const clock = createManualClock(1_000_000);
    const fake = await start({ clock, rateLimit: { requestsPerSecond: 5, burst: 5, retryAfterSeconds: 2 } });
    const get = { action: 'get', tokens: ['a'] };
    const first = await Promise.all(Array.from({ length: 8 }, () => rawJobs(fake, get)));
    expect(first.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(first.find((r) => r.status === 429)?.body).toEqual({ error: 'Too Many Requests' });
    clock.advance(400); // two tokens refilled
    const second = await Promise.all(Array.from({ length: 3 }, () => rawJobs(fake, get)));
    expect(second.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    expect(fake.rateLimited()).toBe(4);
    expect(fake.peakRequestsPerSecond()).toBe(11);
    expect(fake.peakRequestsPerSecond('post')).toBe(0);
  });

  test('the 429 carries Retry-After', async () => {
    const fake = await start({ rateLimit: { requestsPerSecond: 1, burst: 1, retryAfterSeconds: 3 } });
    await rawJobs(fake, { action: 'get', tokens: ['a'] });
    const response = await fetch(`${fake.url}/v1/pre-aggregations/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await fake.signToken() },
      body: JSON.stringify({ action: 'get', tokens: ['a'] }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
  });
});

describe('peakPerSecond', () => {
  test.each([
    [[], 0],
    [[0, 999], 2],
    [[0, 1000], 1],
    [[0, 10, 20, 1500, 1600, 1700, 1800], 4],
  ])('%j → %i', (times, peak) => {
    expect(peakPerSecond(times)).toBe(peak);
  });
});

describe('GET /v1/meta', () => {
  test("lists the model's cubes, as Cube does, and needs the meta scope", async () => {
    const fake = await start({ model: sampleModel() });
    const meta = async (claims: Record<string, unknown>) => {
      const response = await fetch(`${fake.url}/v1/meta`, { headers: { authorization: await fake.signToken(claims) } });
      return { status: response.status, body: await response.json() };
    };
    const ok = await meta({});
    expect(ok.status).toBe(200);
    expect(
      (ok.body as { cubes: Array<{ name: string; type: string }> }).cubes.map((cube) => [cube.name, cube.type]),
    ).toEqual(sampleModel().cubes.map((cube) => [cube.name, 'cube']));
    expect(await meta({ scopes: ['jobs'] })).toEqual({ status: 403, body: { error: 'API scope is missing: meta' } });
  });
});

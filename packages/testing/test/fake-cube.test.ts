import { afterEach, describe, expect, test } from 'vitest';
import { SignJWT } from 'jose';
import { createManualClock, sampleModel, startFakeCube, type FakeCube, type FakeCubeOptions } from '../src/index.js';
import { rawJobs, selector, sleep } from './helpers.js';

let cube: FakeCube | undefined;
afterEach(async () => {
  await cube?.stop();
  cube = undefined;
});
async function start(options: FakeCubeOptions = {}) {
  cube = await startFakeCube(options);
  return cube;
}

describe('post', () => {
  test('one token per context × pre-aggregation × time zone × partition, in model order', async () => {
    const fake = await start();
    const res = await rawJobs(fake, {
      action: 'post',
      selector: { contexts: [{ securityContext: { t: 1 } }, { securityContext: { t: 2 } }], timezones: ['UTC', 'America/New_York'], cubes: ['orders'] },
    });
    expect(res.status).toBe(200);
    // orders.by_month has 6 monthly partitions, orders.by_status one: (6 + 1) × 2 tz × 2 contexts
    expect(res.body).toHaveLength(28);
    for (const token of res.body as string[]) expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(res.body as string[]).size).toBe(28);
    expect(fake.jobs.slice(0, 8).map((j) => `${j.preAggregation}@${j.timezone}:${j.partitionStart?.slice(0, 7) ?? '-'}`)).toEqual([
      'orders.by_month@UTC:2024-01', 'orders.by_month@UTC:2024-02', 'orders.by_month@UTC:2024-03',
      'orders.by_month@UTC:2024-04', 'orders.by_month@UTC:2024-05', 'orders.by_month@UTC:2024-06',
      'orders.by_month@America/New_York:2024-01', 'orders.by_month@America/New_York:2024-02',
    ]);
  });

  test('selector lists are AND-ed, values OR-ed, an empty list is no filter', async () => {
    const fake = await start();
    const count = async (extra: object) => ((await rawJobs(fake, { action: 'post', selector: { ...selector, ...extra } })).body as unknown[]).length;
    expect(await count({ cubes: ['orders', 'customers'] })).toBe(8);
    expect(await count({ cubes: ['orders'], preAggregations: ['orders.by_status', 'customers.by_region'] })).toBe(1);
    expect(await count({ cubes: [], dataSources: [], preAggregations: [] })).toBe(10);
    expect(await count({ dataSources: ['default'], cubes: ['customers', 'nope'] })).toBe(1);
  });

  test('dateRange keeps intersecting partitions, inclusive on both ends', async () => {
    const fake = await start();
    const post = (dateRange: [string, string]) => rawJobs(fake, { action: 'post', selector: { ...selector, preAggregations: ['orders.by_month'], dateRange } });
    expect((await post(['2024-02-01', '2024-02-29'])).body).toHaveLength(1);
    expect((await post(['2024-01-15', '2024-02-01'])).body).toHaveLength(2);
    expect((await post(['2024-01-31T23:59:59.999', '2024-01-31T23:59:59.999'])).body).toHaveLength(1);
    expect((await post(['2024-02-01T02:00:00+03:00', '2024-02-01T02:00:00+03:00'])).body).toHaveLength(1);
    expect(fake.jobs.at(-1)?.partitionStart).toBe('2024-01-01T00:00:00.000');
    const outside = await post(['2023-01-01', '2023-12-31']);
    expect(outside).toEqual({ status: 400, body: { error: "A user's selector doesn't match any of the pre-aggregations defined in the data model." } });
    // non-partitioned pre-aggregations are always included
    expect((await rawJobs(fake, { action: 'post', selector: { ...selector, cubes: ['orders'], dateRange: ['2023-01-01', '2023-01-02'] } })).body).toHaveLength(1);
  });

  test('ephemeral pre-aggregations yield no jobs', async () => {
    const fake = await start({ model: { cubes: [{ name: 'c', preAggregations: [{ name: 'j', type: 'rollupJoin' }, { name: 'l', type: 'rollupLambda' }] }] } });
    expect((await rawJobs(fake, { action: 'post', selector })).status).toBe(400);
  });
});

describe('get', () => {
  test('jobs move scheduled → processing → done through a queue with a concurrency limit', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const fake = await start({ clock, concurrency: 2, buildDurationMs: 1000 });
    const tokens = (await rawJobs(fake, { action: 'post', selector: { ...selector, preAggregations: ['orders.by_month'], dateRange: ['2024-01-01', '2024-03-31'] } })).body as string[];
    const statuses = async () => ((await rawJobs(fake, { action: 'get', tokens })).body as Array<{ status: string }>).map((s) => s.status);
    expect(await statuses()).toEqual(['processing', 'processing', 'scheduled']);
    clock.advance(1000);
    expect(await statuses()).toEqual(['done', 'done', 'processing']);
    clock.advance(1000);
    expect(await statuses()).toEqual(['done', 'done', 'done']);
  });

  test('answers with table and a one-element selector per job, as Cube shapes them', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const fake = await start({ clock });
    const [token] = (await rawJobs(fake, { action: 'post', selector: { contexts: [{ securityContext: { tenant: 'a' } }], timezones: ['UTC'], preAggregations: ['orders.by_month'], dateRange: ['2024-02-01', '2024-02-01'] } })).body as string[];
    clock.advance(10_000);
    const res = await rawJobs(fake, { action: 'get', tokens: [token] });
    expect(res.body).toEqual([
      {
        token,
        table: expect.stringMatching(/^prod_pre_aggregations\.orders_by_month20240201_[a-z0-9]{8}_[a-z0-9]{8}_[a-z0-9]+$/),
        status: 'done',
        selector: { cubes: ['orders'], preAggregations: ['orders.by_month'], contexts: [{ securityContext: { tenant: 'a' } }], timezones: ['UTC'], dataSources: ['default'] },
      },
    ]);
  });

  test('resType object answers an object keyed by token, without token fields, in reverse order', async () => {
    const fake = await start();
    const tokens = (await rawJobs(fake, { action: 'post', selector: { ...selector, cubes: ['customers', 'broken'] } })).body as string[];
    const res = await rawJobs(fake, { action: 'get', tokens: [...tokens, 'f'.repeat(32)], resType: 'object' });
    const body = res.body as Record<string, { token?: string; status: string }>;
    expect(Object.keys(body)).toEqual(['f'.repeat(32), ...[...tokens].reverse()]);
    expect(body['f'.repeat(32)]).toEqual({ status: 'not_found' });
    expect(Object.values(body).every((v) => v.token === undefined)).toBe(true);
  });

  test('every status string can be produced', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const fake = await start({
      clock,
      concurrency: 1,
      buildDurationMs: 100,
      jobTtlMs: 10_000,
      model: {
        cubes: [
          {
            name: 'c',
            preAggregations: [
              { name: 'ok' },
              { name: 'bad', outcome: 'boom' },
              { name: 'lost', outcome: () => ({ kind: 'missing_partition' }) },
              { name: 'gone' },
            ],
          },
        ],
      },
    });
    const [ok, bad, lost, gone] = (await rawJobs(fake, { action: 'post', selector })).body as string[];
    const status = () => rawJobs(fake, { action: 'get', tokens: [ok, bad, lost, gone, '0'.repeat(32)] }).then((r) => (r.body as Array<{ status: string }>).map((s) => s.status));
    expect(await status()).toEqual(['processing', 'scheduled', 'scheduled', 'scheduled', 'not_found']);
    fake.setModel({ cubes: [{ name: 'c', preAggregations: [{ name: 'ok' }, { name: 'bad', outcome: 'boom' }, { name: 'lost', outcome: () => ({ kind: 'missing_partition' }) }] }] });
    clock.advance(300);
    expect(await status()).toEqual(['done', 'failure: boom', 'missing_partition', 'pre_agg_not_found', 'not_found']);
    clock.advance(10_000);
    expect(await status()).toEqual(['not_found', 'not_found', 'not_found', 'not_found', 'not_found']);
  });

  test('a dropped queue item shows its raw queue state, then missing_partition', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const fake = await start({
      clock,
      buildDurationMs: 100,
      model: { cubes: [{ name: 'c', preAggregations: [{ name: 'o', outcome: () => ({ kind: 'dropped', queueState: 'orphaned' }) }, { name: 's', outcome: () => ({ kind: 'dropped', queueState: 'stalled' }) }] }] },
    });
    const tokens = (await rawJobs(fake, { action: 'post', selector })).body as string[];
    expect(tokens.map((t) => fake.statusOf(t))).toEqual(['orphaned', 'stalled']);
    clock.advance(100);
    expect(tokens.map((t) => fake.statusOf(t))).toEqual(['missing_partition', 'missing_partition']);
  });

  test('a rebuild of a partition in the same second fails as in Cube 1.7', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 100));
    const fake = await start({ clock, buildDurationMs: 10 });
    const post = () => rawJobs(fake, { action: 'post', selector: { ...selector, preAggregations: ['orders.by_status'] } }).then((r) => (r.body as string[])[0] as string);
    const first = await post();
    clock.advance(20);
    const second = await post();
    clock.advance(1000);
    const third = await post();
    clock.advance(20);
    expect(fake.statusOf(first)).toBe('done');
    expect(fake.statusOf(second)).toMatch(/^failure: relation "orders_by_status_.*" already exists$/);
    expect(fake.statusOf(third)).toBe('done');
  });

  describe('de-duplication of in-flight builds, as Cube 1.7.43 queues them', () => {
    const byStatus = { ...selector, preAggregations: ['orders.by_status'] };
    const busy = { ...selector, preAggregations: ['customers.by_region'] };
    const postOne = (fake: FakeCube, sel: object) => rawJobs(fake, { action: 'post', selector: sel }).then((r) => (r.body as string[])[0] as string);

    test('planned in the same second: missing_partition while the twin is queued, processing while it runs, then done', async () => {
      const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 100));
      const fake = await start({ clock, buildDurationMs: 100, concurrency: 1 });
      await postOne(fake, busy); // occupies the only queue slot for 100 ms
      const twin = await postOne(fake, byStatus);
      const follower = await postOne(fake, byStatus);
      expect(fake.jobs.find((j) => j.token === follower)?.dedupedInto).toBe(twin);
      expect(fake.jobs.find((j) => j.token === follower)?.table).toBe(fake.jobs.find((j) => j.token === twin)?.table);
      expect([fake.statusOf(twin), fake.statusOf(follower)]).toEqual(['scheduled', 'missing_partition']);
      clock.advance(150);
      expect([fake.statusOf(twin), fake.statusOf(follower)]).toEqual(['processing', 'processing']);
      clock.advance(100);
      expect([fake.statusOf(twin), fake.statusOf(follower)]).toEqual(['done', 'done']);
    });

    test('planned in another second: its own table is never built, so it stays missing_partition', async () => {
      const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 900));
      const fake = await start({ clock, buildDurationMs: 500 });
      const twin = await postOne(fake, byStatus);
      clock.advance(200); // the next second, the twin still running
      const follower = await postOne(fake, byStatus);
      expect(fake.statusOf(follower)).toBe('processing');
      clock.advance(1000);
      expect([fake.statusOf(twin), fake.statusOf(follower)]).toEqual(['done', 'missing_partition']);
      // A post after the twin finished is queued again and builds.
      const later = await postOne(fake, byStatus);
      clock.advance(600);
      expect(fake.statusOf(later)).toBe('done');
    });

    test('builds of other contexts are not merged, and the option turns merging off', async () => {
      const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 100));
      const fake = await start({ clock, buildDurationMs: 100 });
      await postOne(fake, byStatus);
      const other = await postOne(fake, { ...byStatus, contexts: [{ securityContext: { tenant: 'b' } }] });
      expect(fake.jobs.find((j) => j.token === other)?.dedupedInto).toBeUndefined();
      await fake.stop();
      const plain = await start({ clock, buildDurationMs: 100, dedupInFlightBuilds: false });
      await postOne(plain, byStatus);
      const again = await postOne(plain, byStatus);
      expect(plain.jobs.find((j) => j.token === again)?.dedupedInto).toBeUndefined();
    });
  });

  test('restart loses every job, like the memory driver', async () => {
    const fake = await start();
    const tokens = (await rawJobs(fake, { action: 'post', selector: { ...selector, cubes: ['customers'] } })).body as string[];
    await fake.restart({ downtimeMs: 10 });
    expect((await rawJobs(fake, { action: 'get', tokens })).body).toEqual([{ token: tokens[0], status: 'not_found' }]);
  });
});

describe('auth and scopes', () => {
  test.each([
    ['no header', null, undefined, 403, "Authorization header isn't set"],
    ['wrong secret', 'eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.wrongsignaturewrongsignature', undefined, 403, 'Invalid token'],
    ['garbage', 'not-a-jwt', undefined, 403, 'Invalid token'],
  ])('%s → %i %s', async (_name, token, header, status, error) => {
    const fake = await start();
    expect(await rawJobs(fake, { action: 'post', selector }, { token, ...(header ? { header } : {}) })).toEqual({ status, body: { error } });
  });

  test('an expired JWT is invalid', async () => {
    const fake = await start();
    const token = await fake.signToken({}, { expiresInMs: -3_600_000 });
    expect(await rawJobs(fake, { action: 'post', selector }, { token })).toEqual({ status: 403, body: { error: 'Invalid token' } });
  });

  test('accepts raw, Bearer and x-cube-authorization, and logs the claims', async () => {
    const fake = await start();
    const token = await fake.signToken({ who: 'me' });
    expect((await rawJobs(fake, { action: 'post', selector }, { token })).status).toBe(200);
    expect((await rawJobs(fake, { action: 'post', selector }, { token: `Bearer ${token}` })).status).toBe(200);
    expect((await rawJobs(fake, { action: 'post', selector }, { token, header: 'x-cube-authorization' })).status).toBe(200);
    expect(fake.requests.map((r) => r.claims?.who)).toEqual(['me', 'me', 'me']);
  });

  test('a token without the jobs scope is refused before the body is read', async () => {
    const fake = await start();
    const token = await fake.signToken({ scopes: ['meta', 'data'] });
    expect(await rawJobs(fake, {}, { token })).toEqual({ status: 403, body: { error: 'API scope is missing: jobs' } });
    const narrow = await start({ scopes: ['meta'] });
    expect(await rawJobs(narrow, { action: 'get', tokens: ['a'] })).toEqual({ status: 403, body: { error: 'API scope is missing: jobs' } });
    await narrow.stop();
  });

  test('with JWKs, keys are chosen by kid, with Cube\'s errors', async () => {
    const fake = await start({ jwks: { k1: 'jwk-secret-one-123456' } });
    const sign = (kid: string | undefined, secret: string) => {
      const jwt = new SignJWT({}).setProtectedHeader(kid ? { alg: 'HS256', kid } : { alg: 'HS256' }).setExpirationTime('1h');
      return jwt.sign(new TextEncoder().encode(secret));
    };
    expect((await rawJobs(fake, { action: 'post', selector }, { token: await sign('k1', 'jwk-secret-one-123456') })).status).toBe(200);
    expect(await rawJobs(fake, { action: 'post', selector }, { token: await sign(undefined, 'jwk-secret-one-123456') })).toEqual({ status: 403, body: { error: 'JWT without kid inside headers' } });
    expect(await rawJobs(fake, { action: 'post', selector }, { token: await sign('k9', 'x-secret-999999') })).toEqual({ status: 403, body: { error: 'Unable to verify, JWK with kid: "k9" not found' } });
    expect(await rawJobs(fake, { action: 'post', selector }, { token: 'garbage' })).toEqual({ status: 403, body: { error: 'Unable to decode JWT key' } });
    expect(await rawJobs(fake, { action: 'post', selector }, { token: await sign('k1', 'a-wrong-secret-0000') })).toEqual({ status: 403, body: { error: 'Invalid token' } });
  });

  test('a scopes function that throws is a 500 with its text, as Cube answers', async () => {
    const fake = await start({
      scopes: () => {
        throw new Error('A user-defined contextToApiScopes function returns a wrong scope: admin');
      },
    });
    expect(await rawJobs(fake, { action: 'post', selector })).toEqual({ status: 500, body: { error: 'Error: A user-defined contextToApiScopes function returns a wrong scope: admin' } });
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
    [{ action: 'post', selector: { contexts: [{ securityContext: {} }] } }, 400, 'Invalid Job query format: "selector.timezones" is required'],
    [{ action: 'post', selector: { timezones: ['UTC'] } }, 400, 'Invalid Job query format: "selector.contexts" is required'],
    [{ action: 'post', selector: { contexts: [{}], timezones: ['UTC'] } }, 400, 'Invalid Job query format: "selector.contexts[0].securityContext" is required'],
    [{ action: 'post', selector: { contexts: [], timezones: ['UTC'] } }, 400, 'Invalid Job query format: "selector.contexts" must contain at least 1 items'],
    [post({ timezones: [] }), 400, 'Invalid Job query format: "selector.timezones" must contain at least 1 items'],
    [post({ cubes: 'orders' }), 400, 'Invalid Job query format: "selector.cubes" must be an array'],
    [post({ tables: ['x'] }), 400, 'Invalid Job query format: "selector.tables" is not allowed'],
    [post({ timezones: ['Mars/Olympus_Mons'] }), 400, 'Invalid Job query format: "selector.timezones[0]" must be a valid IANA time zone, got "Mars/Olympus_Mons"'],
    [post({ preAggregations: ['orders.no_such_rollup'] }), 400, "A user's selector doesn't match any of the pre-aggregations defined in the data model."],
    [post({ cubes: ['nope'] }), 400, "A user's selector doesn't match any of the pre-aggregations defined in the data model."],
    [post({ dataSources: ['nope'] }), 400, "A user's selector doesn't match any of the pre-aggregations defined in the data model."],
    [post({ preAggregations: ['orders.by_month'], dateRange: ['not-a-date', '2024-02-01'] }), 400, 'Cannot parse selector date range not-a-date,2024-02-01'],
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
    expect(await rawJobs(fake, { action: 'post', selector }, { contentType: 'text/plain' })).toEqual({ status: 400, body: { error: 'No job description provided' } });
  });

  test('GET on the endpoint is Express\'s 404 page; /readyz answers', async () => {
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
    expect(await rawJobs(fake, { action: 'post', selector })).toEqual({ status: 200, body: { error: 'Continue wait' } });
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
    expect(first.filter((c) => c === 500).length).toBeGreaterThan(0);
    expect(first.filter((c) => c === 200).length).toBeGreaterThan(0);
  });

  test('real time: a build finishes after its duration', async () => {
    const fake = await start({ buildDurationMs: 50, model: sampleModel() });
    const [token] = (await rawJobs(fake, { action: 'post', selector: { ...selector, cubes: ['customers'] } })).body as string[];
    expect(fake.statusOf(token as string)).toBe('processing');
    await sleep(80);
    expect(fake.statusOf(token as string)).toBe('done');
  });
});

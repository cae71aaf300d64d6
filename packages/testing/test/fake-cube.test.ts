/** The fake Cube's queue over HTTP: which jobs a post creates, and how their statuses move. */
import { describe, expect, test } from 'vitest';
import { createManualClock } from '@cube-jobs/dev-tools';
import type { FakeCube } from '../src/index.js';
import { rawJobs, selector, useFakeCubes } from './helpers.js';

const start = useFakeCubes();

describe('post', () => {
  test('one token per context × pre-aggregation × time zone × partition, in model order', async () => {
    const fake = await start();
    const res = await rawJobs(fake, {
      action: 'post',
      selector: {
        contexts: [{ securityContext: { t: 1 } }, { securityContext: { t: 2 } }],
        timezones: ['UTC', 'America/New_York'],
        cubes: ['orders'],
      },
    });
    expect(res.status).toBe(200);
    // orders.by_month has 6 monthly partitions in UTC and 7 in New York (its range starts on
    // 2023-12-31 19:00 there), orders.by_status one per zone: ((6 + 1) + (7 + 1)) × 2 contexts
    expect(res.body).toHaveLength(30);
    for (const token of res.body as string[]) expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(res.body as string[]).size).toBe(30);
    expect(
      fake.jobs.slice(0, 8).map((j) => `${j.preAggregation}@${j.timezone}:${j.partitionStart?.slice(0, 7) ?? '-'}`),
    ).toEqual([
      'orders.by_month@UTC:2024-01',
      'orders.by_month@UTC:2024-02',
      'orders.by_month@UTC:2024-03',
      'orders.by_month@UTC:2024-04',
      'orders.by_month@UTC:2024-05',
      'orders.by_month@UTC:2024-06',
      'orders.by_month@America/New_York:2023-12',
      'orders.by_month@America/New_York:2024-01',
    ]);
  });

  test('selector lists are AND-ed, values OR-ed, an empty list is no filter', async () => {
    const fake = await start();
    const count = async (extra: object) =>
      ((await rawJobs(fake, { action: 'post', selector: { ...selector, ...extra } })).body as unknown[]).length;
    expect(await count({ cubes: ['orders', 'customers'] })).toBe(8);
    expect(await count({ cubes: ['orders'], preAggregations: ['orders.by_status', 'customers.by_region'] })).toBe(1);
    expect(await count({ cubes: [], dataSources: [], preAggregations: [] })).toBe(10);
    expect(await count({ dataSources: ['default'], cubes: ['customers', 'nope'] })).toBe(1);
  });

  test('dateRange keeps intersecting partitions, inclusive on both ends', async () => {
    const fake = await start();
    const post = (dateRange: [string, string]) =>
      rawJobs(fake, { action: 'post', selector: { ...selector, preAggregations: ['orders.by_month'], dateRange } });
    expect((await post(['2024-02-01', '2024-02-29'])).body).toHaveLength(1);
    expect((await post(['2024-01-15', '2024-02-01'])).body).toHaveLength(2);
    expect((await post(['2024-01-31T23:59:59.999', '2024-01-31T23:59:59.999'])).body).toHaveLength(1);
    expect((await post(['2024-02-01T02:00:00+03:00', '2024-02-01T02:00:00+03:00'])).body).toHaveLength(1);
    expect(fake.jobs.at(-1)?.partitionStart).toBe('2024-01-01T00:00:00.000');
    const outside = await post(['2023-01-01', '2023-12-31']);
    expect(outside).toEqual({
      status: 400,
      body: { error: "A user's selector doesn't match any of the pre-aggregations defined in the data model." },
    });
    // non-partitioned pre-aggregations are always included
    expect(
      (
        await rawJobs(fake, {
          action: 'post',
          selector: { ...selector, cubes: ['orders'], dateRange: ['2023-01-01', '2023-01-02'] },
        })
      ).body,
    ).toHaveLength(1);
  });

  test('ephemeral pre-aggregations yield no jobs', async () => {
    const fake = await start({
      model: {
        cubes: [
          {
            name: 'c',
            preAggregations: [
              { name: 'j', type: 'rollupJoin' },
              { name: 'l', type: 'rollupLambda' },
            ],
          },
        ],
      },
    });
    expect((await rawJobs(fake, { action: 'post', selector })).status).toBe(400);
  });
});

describe('get', () => {
  test('jobs move scheduled → processing → done through a queue with a concurrency limit', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const fake = await start({ clock, concurrency: 2, buildDurationMs: 1000 });
    const tokens = (
      await rawJobs(fake, {
        action: 'post',
        selector: { ...selector, preAggregations: ['orders.by_month'], dateRange: ['2024-01-01', '2024-03-31'] },
      })
    ).body as string[];
    const statuses = async () =>
      ((await rawJobs(fake, { action: 'get', tokens })).body as Array<{ status: string }>).map((s) => s.status);
    expect(await statuses()).toEqual(['processing', 'processing', 'scheduled']);
    clock.advance(1000);
    expect(await statuses()).toEqual(['done', 'done', 'processing']);
    clock.advance(1000);
    expect(await statuses()).toEqual(['done', 'done', 'done']);
  });

  test('answers with table and a one-element selector per job, as Cube shapes them', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const fake = await start({ clock });
    const [token] = (
      await rawJobs(fake, {
        action: 'post',
        selector: {
          contexts: [{ securityContext: { tenant: 'a' } }],
          timezones: ['UTC'],
          preAggregations: ['orders.by_month'],
          dateRange: ['2024-02-01', '2024-02-01'],
        },
      })
    ).body as string[];
    clock.advance(10_000);
    const res = await rawJobs(fake, { action: 'get', tokens: [token] });
    expect(res.body).toEqual([
      {
        token,
        table: expect.stringMatching(
          /^prod_pre_aggregations\.orders_by_month20240201_[a-z0-9]{8}_[a-z0-9]{8}_[a-z0-9]+$/,
        ),
        status: 'done',
        selector: {
          cubes: ['orders'],
          preAggregations: ['orders.by_month'],
          contexts: [{ securityContext: { tenant: 'a' } }],
          timezones: ['UTC'],
          dataSources: ['default'],
        },
      },
    ]);
  });

  test('resType object answers an object keyed by token, without token fields, in reverse order', async () => {
    const fake = await start();
    const tokens = (await rawJobs(fake, { action: 'post', selector: { ...selector, cubes: ['customers', 'broken'] } }))
      .body as string[];
    const res = await rawJobs(fake, { action: 'get', tokens: [...tokens, 'f'.repeat(32)], resType: 'object' });
    const body = res.body as Record<string, { token?: string; status: string }>;
    expect(Object.keys(body)).toEqual(['f'.repeat(32), ...[...tokens].reverse()]);
    expect(body['f'.repeat(32)]).toEqual({ status: 'not_found' });
    for (const value of Object.values(body)) expect(value).not.toHaveProperty('token');
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
    const status = () =>
      rawJobs(fake, { action: 'get', tokens: [ok, bad, lost, gone, '0'.repeat(32)] }).then((r) =>
        (r.body as Array<{ status: string }>).map((s) => s.status),
      );
    expect(await status()).toEqual(['processing', 'scheduled', 'scheduled', 'scheduled', 'not_found']);
    fake.setModel({
      cubes: [
        {
          name: 'c',
          preAggregations: [
            { name: 'ok' },
            { name: 'bad', outcome: 'boom' },
            { name: 'lost', outcome: () => ({ kind: 'missing_partition' }) },
          ],
        },
      ],
    });
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
      model: {
        cubes: [
          {
            name: 'c',
            preAggregations: [
              { name: 'o', outcome: () => ({ kind: 'dropped', queueState: 'orphaned' }) },
              { name: 's', outcome: () => ({ kind: 'dropped', queueState: 'stalled' }) },
            ],
          },
        ],
      },
    });
    const tokens = (await rawJobs(fake, { action: 'post', selector })).body as string[];
    expect(tokens.map((t) => fake.statusOf(t))).toEqual(['orphaned', 'stalled']);
    clock.advance(100);
    expect(tokens.map((t) => fake.statusOf(t))).toEqual(['missing_partition', 'missing_partition']);
  });

  test('a rebuild of a partition in the same second fails as in Cube 1.7', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 100));
    const fake = await start({ clock, buildDurationMs: 10 });
    const post = () =>
      rawJobs(fake, { action: 'post', selector: { ...selector, preAggregations: ['orders.by_status'] } }).then(
        (r) => (r.body as string[])[0] as string,
      );
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
    const postOne = (fake: FakeCube, sel: object) =>
      rawJobs(fake, { action: 'post', selector: sel }).then((r) => (r.body as string[])[0] as string);

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

    test('planned in another second: its own table is never built, so it reads missing_partition throughout', async () => {
      const clock = createManualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 900));
      const fake = await start({ clock, buildDurationMs: 500 });
      const twin = await postOne(fake, byStatus);
      clock.advance(200); // the next second, the twin still running
      const follower = await postOne(fake, byStatus);
      expect(fake.jobs.find((j) => j.token === follower)?.dedupedInto).toBe(twin);
      expect([fake.statusOf(twin), fake.statusOf(follower)]).toEqual(['processing', 'missing_partition']);
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
    const tokens = (await rawJobs(fake, { action: 'post', selector: { ...selector, cubes: ['customers'] } }))
      .body as string[];
    await fake.restart({ downtimeMs: 10 });
    expect((await rawJobs(fake, { action: 'get', tokens })).body).toEqual([{ token: tokens[0], status: 'not_found' }]);
  });
});

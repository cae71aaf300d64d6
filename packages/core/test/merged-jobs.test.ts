import { describe, expect, test } from 'vitest';
import { type JobState, type JobStatus } from '../src/index.js';
import { MergedJobTracker, splitBuildTime } from '../src/cube-quirks/merged-jobs.js';

/** Cube's build second in base 32, as its table names end. */
const second = (ms: number) => Math.floor(ms / 1000).toString(32);
const T0 = Date.UTC(2026, 11, 1, 6, 0, 0);
const partition = 'prod_pre_aggregations.orders_by_month20240101_ysj01b0v_kkzbhcng';
const tableAt = (ms: number, name = partition) => `${name}_${second(ms)}`;

function status(token: string, state: JobState, table?: string, dataSource = 'default'): JobStatus {
  const selector = { preAggregations: ['orders.by_month'], dataSources: [dataSource] };
  return { token, raw: state, state, table, selector } as JobStatus;
}

describe('splitBuildTime', () => {
  test("reads Cube's base-32 build second off a versioned table name", () => {
    expect(splitBuildTime('prod_pre_aggregations.orders_by_month20240101_ysj01b0v_kkzbhcng_1lgskr1')).toEqual({
      buildKey: 'prod_pre_aggregations.orders_by_month20240101_ysj01b0v_kkzbhcng',
      builtAtMs: parseInt('1lgskr1', 32) * 1000,
    });
    expect(splitBuildTime('orders_by_month')).toBeUndefined();
    expect(splitBuildTime('a_b_c_d!')).toBeUndefined();
  });
});

describe('MergedJobTracker', () => {
  test('a job merged into a build in flight reads its state, then done when it is', () => {
    const tracker = new MergedJobTracker();
    const twin = status('a', 'processing', tableAt(T0));
    const merged = status('b', 'missing_partition', tableAt(T0 + 1500));
    // First read of the merged job: its twin, read before the job was planned, was in flight then.
    tracker.follow([twin], ['a'], T0 + 500);
    const [b] = tracker.follow([merged], ['b'], T0 + 2000);
    expect(b).toMatchObject({ token: 'b', raw: 'missing_partition', state: 'processing', merge: { token: 'a' } });
    expect(b?.merge?.table).toBe(twin.table);
    // From now on the twin is read with the job (the client reads it at once, then with every read).
    expect(tracker.twinsOf(['b'])).toEqual(['a']);
    expect(tracker.twinsOf(['b', 'a'])).toEqual([]);
    expect(tracker.follow([merged, twin], ['b'], T0 + 2050)[0]?.state).toBe('processing');
    const [later] = tracker.follow([merged, status('a', 'done', twin.table)], ['b'], T0 + 9000);
    expect(later).toMatchObject({ state: 'done', raw: 'missing_partition', merge: { token: 'a' } });
  });

  test('a twin last seen in flight before the job was planned, and done when read again, may not have built it', () => {
    const tracker = new MergedJobTracker();
    tracker.follow([status('a', 'processing', tableAt(T0))], ['a'], T0 + 500);
    const merged = status('b', 'missing_partition', tableAt(T0 + 2500)); // two seconds after the twin
    tracker.follow([merged], ['b'], T0 + 3000);
    const [b] = tracker.follow([merged, status('a', 'done', tableAt(T0))], ['b'], T0 + 3050);
    expect(b).toMatchObject({ state: 'missing_partition', merge: {} });
  });

  test('a fast twin never seen running counts when it was planned in the same or the previous second', () => {
    const tracker = new MergedJobTracker();
    // Both first read done/missing: the twin built in under a second, before any read.
    tracker.follow([status('a', 'done', tableAt(T0))], ['a'], T0 + 1500);
    const [b] = tracker.follow([status('b', 'missing_partition', tableAt(T0 + 1000))], ['b'], T0 + 1600);
    expect(b).toMatchObject({ state: 'done', merge: { token: 'a' } });
    // Two seconds apart, the twin may have finished before the job was planned.
    const [c] = tracker.follow([status('c', 'missing_partition', tableAt(T0 + 2000))], ['c'], T0 + 2600);
    expect(c).toMatchObject({ state: 'missing_partition', merge: {} });
  });

  test('a twin that finished before the job was planned did not build it: the job stays missing_partition', () => {
    const tracker = new MergedJobTracker();
    tracker.follow([status('a', 'processing', tableAt(T0))], ['a'], T0 + 200);
    tracker.follow([status('a', 'done', tableAt(T0))], ['a'], T0 + 1000);
    const [b] = tracker.follow([status('b', 'missing_partition', tableAt(T0 + 60_000))], ['b'], T0 + 61_000);
    expect(b).toMatchObject({ state: 'missing_partition', merge: {} });
    expect(b?.merge?.token).toBeUndefined();
  });

  test('a twin that fails or is lost leaves the job missing_partition, for the policy to decide', () => {
    const tracker = new MergedJobTracker();
    tracker.follow([status('a', 'scheduled', tableAt(T0))], ['a'], T0);
    const merged = status('b', 'missing_partition', tableAt(T0 + 2000));
    expect(tracker.follow([merged], ['b'], T0 + 2500)[0]?.state).toBe('scheduled');
    const failed = { ...status('a', 'failure', tableAt(T0)), message: 'boom', raw: 'failure: boom' } as JobStatus;
    expect(tracker.follow([merged, failed], ['b'], T0 + 5000)[0]).toMatchObject({
      state: 'missing_partition',
      merge: {},
    });
    // Lost (Cube forgot it: no table in the answer) is the same.
    tracker.follow([status('c', 'processing', tableAt(T0 + 1000))], ['c'], T0 + 2600);
    expect(tracker.follow([merged], ['b'], T0 + 2700)[0]).toMatchObject({ state: 'processing', merge: { token: 'c' } });
    expect(tracker.follow([merged, status('c', 'not_found')], ['b'], T0 + 6000)[0]?.state).toBe('missing_partition');
  });

  test('a job Cube queued and then lost is not a merged one', () => {
    const tracker = new MergedJobTracker();
    tracker.follow([status('b', 'scheduled', tableAt(T0))], ['b'], T0 + 500);
    const [b] = tracker.follow([status('b', 'missing_partition', tableAt(T0))], ['b'], T0 + 5000);
    expect(b).toEqual(status('b', 'missing_partition', tableAt(T0)));
  });

  test('a first read long after the planning says nothing about whether Cube queued the job', () => {
    const tracker = new MergedJobTracker();
    const [late] = tracker.follow([status('b', 'missing_partition', tableAt(T0))], ['b'], T0 + 61_000);
    expect(late?.merge).toBeUndefined();
    const [early] = tracker.follow([status('c', 'missing_partition', tableAt(T0))], ['c'], T0 + 59_000);
    expect(early?.merge).toEqual({});
  });

  test('only the same partition, versions and data source count as a twin, planned no later', () => {
    const tracker = new MergedJobTracker();
    const otherVersion = 'prod_pre_aggregations.orders_by_month20240101_zzzzzzzz_kkzbhcng';
    tracker.follow(
      [
        status('content', 'processing', tableAt(T0, otherVersion)),
        status('source', 'processing', tableAt(T0), 'warehouse'),
        status('later', 'processing', tableAt(T0 + 9000)),
      ],
      ['content', 'source', 'later'],
      T0 + 9500,
    );
    const [b] = tracker.follow([status('b', 'missing_partition', tableAt(T0 + 2000))], ['b'], T0 + 10_000);
    expect(b).toMatchObject({ state: 'missing_partition', merge: {} });
  });

  test('forgets the jobs read longest ago beyond its size limit and retention', () => {
    const tracker = new MergedJobTracker({ maxJobs: 2, retentionMs: 60_000 });
    tracker.follow([status('a', 'processing', tableAt(T0))], ['a'], T0);
    tracker.follow([status('x', 'processing', tableAt(T0, `${partition}x`))], ['x'], T0 + 1);
    tracker.follow([status('y', 'processing', tableAt(T0, `${partition}y`))], ['y'], T0 + 2);
    expect(tracker.size).toBe(2);
    // `a` was forgotten: a job merged into it finds no twin.
    expect(tracker.follow([status('b', 'missing_partition', tableAt(T0))], ['b'], T0 + 3)[0]?.merge).toEqual({});
    tracker.follow([], [], T0 + 120_000);
    expect(tracker.size).toBe(0);
  });

  test('returns the asked tokens in order, duplicates included, and unknown ones as not_found', () => {
    const tracker = new MergedJobTracker();
    const out = tracker.follow([status('a', 'done', tableAt(T0))], ['a', 'zz', 'a'], T0);
    expect(out.map((job) => [job.token, job.state])).toEqual([
      ['a', 'done'],
      ['zz', 'not_found'],
      ['a', 'done'],
    ]);
  });
});

import { describe, expect, test } from 'vitest';
import { type JobStatus } from '../src/index.js';
import { parseJobStatus, partitionStartOf, summarizeJobs } from '../src/status.js';

const job = (token: string, status: string, table?: string): JobStatus =>
  parseJobStatus({ token, status, ...(table === undefined ? {} : { table }) });

describe('parseJobStatus', () => {
  test.each([
    ['scheduled', 'scheduled'],
    ['processing', 'processing'],
    ['done', 'done'],
    ['missing_partition', 'missing_partition'],
    ['not_found', 'not_found'],
    ['pre_agg_not_found', 'pre_agg_not_found'],
    ['orphaned', 'unknown'],
    ['stalled', 'unknown'],
    ['some_future_status', 'unknown'],
  ])('classifies %s as %s and keeps the raw string', (raw, state) => {
    const parsed = job('t', raw, 'schema.table');
    expect(parsed.state).toBe(state);
    expect(parsed.raw).toBe(raw);
    expect(parsed.table).toBe('schema.table');
  });

  test('reads the message of a failure', () => {
    const parsed = job('t', 'failure: relation "public.x" does not exist');
    expect(parsed).toMatchObject({ state: 'failure', message: 'relation "public.x" does not exist' });
  });

  test("reads the partition's start from a partitioned table's name, and none from a plain one", () => {
    expect(job('t', 'processing', 'pre.orders_by_month20240201_abc123_def456_1k2l3m').partitionStart).toBe(
      '2024-02-01T00:00:00.000',
    );
    expect(job('t', 'processing', 'pre.orders_total_abc123_def456_1k2l3m').partitionStart).toBeUndefined();
  });

  test('keeps the per-job selector', () => {
    const selector = { cubes: ['orders'], preAggregations: ['orders.by_month'], timezones: ['UTC'] };
    expect(parseJobStatus({ token: 't', status: 'done', selector }).selector).toEqual(selector);
  });
});

describe('summarizeJobs', () => {
  test('a failure that collided with a same-second build of its table is triggered again, after its second has passed', () => {
    const collided = job('b', 'failure: relation "orders_by_month20240201_a_b_c" already exists');
    const summary = summarizeJobs([job('a', 'done'), collided]);
    expect(summary).toMatchObject({ outcome: 'retrigger', failed: [], retrigger: [collided] });
    expect(summary.retriggerAfterMs).toBeGreaterThanOrEqual(1000);
    expect(summarizeJobs([job('a', 'failure: boom')])).toMatchObject({ outcome: 'failed', retriggerAfterMs: 0 });
  });

  test('all done is success', () => {
    const summary = summarizeJobs([job('a', 'done'), job('b', 'done')]);
    expect(summary.outcome).toBe('succeeded');
    expect(summary.counts.done).toBe(2);
    expect(summary.total).toBe(2);
  });

  test('any failure fails and lists every failed job', () => {
    const summary = summarizeJobs([
      job('a', 'failure: x'),
      job('b', 'processing'),
      job('c', 'failure: y'),
      job('d', 'pre_agg_not_found'),
    ]);
    expect(summary.outcome).toBe('failed');
    expect(summary.failed.map((j) => j.token)).toEqual(['a', 'c', 'd']);
    expect(summary.pending.map((j) => j.token)).toEqual(['b']);
    expect(summary.counts).toMatchObject({ failure: 2, processing: 1, pre_agg_not_found: 1 });
  });

  test('unfinished jobs keep it running', () => {
    expect(summarizeJobs([job('a', 'done'), job('b', 'scheduled'), job('c', 'orphaned')]).outcome).toBe('running');
  });

  test.each([
    ['missing_partition', { onMissingPartition: 'fail' as const }, 'failed'],
    ['missing_partition', { onMissingPartition: 'retrigger' as const }, 'retrigger'],
    ['not_found', { onNotFound: 'fail' as const }, 'failed'],
    ['not_found', { onNotFound: 'retrigger' as const }, 'retrigger'],
  ])('%s with %o gives %s', (status, policy, outcome) => {
    expect(summarizeJobs([job('a', 'done'), job('b', status)], { policy }).outcome).toBe(outcome);
  });

  test.each([
    ['retrigger' as const, 'retrigger'],
    ['fail' as const, 'failed'],
  ])('%s applies only after the job stayed ambiguous for ambiguousConfirmMs', (action, outcome) => {
    const jobs = [job('a', 'done'), job('b', 'missing_partition')];
    const policy = { onMissingPartition: action, ambiguousConfirmMs: 1000 };
    const early = summarizeJobs(jobs, { policy, ambiguousSinceMs: { b: 10_000 }, nowMs: 10_999 });
    expect(early.outcome).toBe('running');
    expect(early.pending.map((j) => j.token)).toEqual(['b']);
    expect(summarizeJobs(jobs, { policy, ambiguousSinceMs: { b: 10_000 }, nowMs: 11_000 }).outcome).toBe(outcome);
  });

  test('the default confirmation period is 10 s', () => {
    const jobs = [job('b', 'not_found')];
    expect(summarizeJobs(jobs, { ambiguousSinceMs: { b: 0 }, nowMs: 9_999 }).outcome).toBe('running');
    expect(summarizeJobs(jobs, { ambiguousSinceMs: { b: 0 }, nowMs: 10_000 }).outcome).toBe('retrigger');
  });

  test('retrigger waits for jobs still running', () => {
    expect(summarizeJobs([job('a', 'processing'), job('b', 'not_found')]).outcome).toBe('running');
  });

  test('wait keeps an ambiguous job pending within its grace period, then fails it', () => {
    const jobs = [job('a', 'done'), job('b', 'missing_partition')];
    const policy = { onMissingPartition: 'wait' as const, ambiguousGraceMs: 1000 };
    expect(summarizeJobs(jobs, { policy, ambiguousSinceMs: { b: 10_000 }, nowMs: 10_500 }).outcome).toBe('running');
    const late = summarizeJobs(jobs, { policy, ambiguousSinceMs: { b: 10_000 }, nowMs: 11_000 });
    expect(late.outcome).toBe('failed');
    expect(late.failed.map((j) => j.token)).toEqual(['b']);
  });
});

describe('partitionStartOf', () => {
  test.each([
    ['prod_pre_aggregations.orders_monthly_by_status20240201_jqgfeqmy_3xx3qqgr_1lgmjnc', '2024-02-01T00:00:00.000'],
    ['pre.orders_hourly2024020113_aaaa_bbbb_cccc', '2024-02-01T13:00:00.000'],
    ['pre.orders_yearly2024_aaaa_bbbb_cccc', '2024-01-01T00:00:00.000'],
    ['prod_pre_aggregations.orders_by_status_zxajlcyf_bnaldl4j_1lgmjnc', undefined],
    ['pre.orders_bad20241341_aaaa_bbbb_cccc', undefined],
    [undefined, undefined],
  ])('reads %s as %s', (table, start) => {
    expect(partitionStartOf(table)).toBe(start);
  });
});

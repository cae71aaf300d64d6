/** How a verification reads the model and judges Cube's answer to a partition's query (pure functions). */
import { describe, expect, test } from 'vitest';
import type { JobStatus } from '../src/job.js';
import {
  judgeAnswer,
  memberReferences,
  partitionRange,
  preAggregationDefinitions,
  tableBuiltAtMs,
  verificationQuery,
} from '../src/verify.js';

/** A `done` job of `orders.by_month`'s February partition, its table built at 2026-12-02T18:33:19Z. */
const table = 'prod_pre_aggregations.orders_by_month20240201_kbjdervw_43zxxm4t_1lh0p3f';
const job: JobStatus = {
  token: 't1',
  raw: 'done',
  state: 'done',
  table,
  partitionStart: '2024-02-01T00:00:00.000',
  selector: {
    preAggregations: ['orders.by_month'],
    timezones: ['America/New_York'],
    contexts: [{ securityContext: {} }],
  },
};
const builtAtMs = Date.parse('2026-12-02T18:33:19Z');
const used = (lastUpdatedAt: number, extra: Record<string, unknown> = {}) => ({
  'prod_pre_aggregations.orders_by_month': {
    preAggregationId: 'orders.by_month',
    lastUpdatedAt,
    type: 'rollup',
    ...extra,
  },
});

describe('reading the model', () => {
  test('member references are qualified with the cube, CUBE. prefixes dropped, other cubes kept', () => {
    expect(memberReferences('[count, total_amount]', 'orders')).toEqual(['orders.count', 'orders.total_amount']);
    expect(memberReferences('[CUBE.status, customers.region]', 'orders')).toEqual([
      'orders.status',
      'customers.region',
    ]);
    expect(memberReferences('created_at', 'orders')).toEqual(['orders.created_at']);
    expect(memberReferences(undefined, 'orders')).toEqual([]);
  });

  test("a /v1/meta?extended answer gives each pre-aggregation's query members and granularities", () => {
    const definitions = preAggregationDefinitions({
      cubes: [
        {
          name: 'orders',
          preAggregations: [
            {
              name: 'by_month',
              type: 'rollup',
              measureReferences: '[count, total_amount]',
              dimensionReferences: '[status]',
              timeDimensionReference: 'created_at',
              granularity: 'day',
              partitionGranularity: 'month',
            },
          ],
        },
      ],
    });
    expect(definitions.get('orders.by_month')).toEqual({
      type: 'rollup',
      measures: ['orders.count', 'orders.total_amount'],
      dimensions: ['orders.status'],
      timeDimension: 'orders.created_at',
      granularity: 'day',
      partitionGranularity: 'month',
    });
  });
});

describe('the partition a query covers', () => {
  test.each([
    ['2024-02-01T00:00:00.000', 'month', '2024-02-29T23:59:59.999'],
    ['2023-12-01T00:00:00.000', 'month', '2023-12-31T23:59:59.999'],
    ['2024-03-10T00:00:00.000', 'day', '2024-03-10T23:59:59.999'],
    ['2024-03-10T05:00:00.000', 'hour', '2024-03-10T05:59:59.999'],
    ['2024-01-01T00:00:00.000', 'week', '2024-01-07T23:59:59.999'],
    ['2024-04-01T00:00:00.000', 'quarter', '2024-06-30T23:59:59.999'],
    ['2024-01-01T00:00:00.000', 'year', '2024-12-31T23:59:59.999'],
  ])('%s by %s ends at %s', (start, granularity, end) => {
    expect(partitionRange(start, granularity)).toEqual([start, end]);
  });

  test('an unknown granularity or start has no range', () => {
    expect(partitionRange('2024-02-01T00:00:00.000', 'fortnight')).toBeUndefined();
    expect(partitionRange('2024-02-01', 'month')).toBeUndefined();
  });

  test("a table's build time is the base-32 seconds at the end of its name, as Cube encodes it", () => {
    expect(tableBuiltAtMs(table)).toBe(builtAtMs);
    expect(tableBuiltAtMs('prod_pre_aggregations.orders_by_month')).toBeUndefined();
    expect(tableBuiltAtMs(undefined)).toBeUndefined();
  });

  test("the query asks the pre-aggregation's members over the partition, in the job's time zone, limited to minRows", () => {
    const definition = {
      type: 'rollup',
      measures: ['orders.count'],
      dimensions: ['orders.status'],
      timeDimension: 'orders.created_at',
      granularity: 'day',
      partitionGranularity: 'month',
    };
    expect(verificationQuery(job, definition, 5)).toEqual({
      dateRange: ['2024-02-01T00:00:00.000', '2024-02-29T23:59:59.999'],
      query: {
        measures: ['orders.count'],
        dimensions: ['orders.status'],
        timeDimensions: [
          {
            dimension: 'orders.created_at',
            granularity: 'day',
            dateRange: ['2024-02-01T00:00:00.000', '2024-02-29T23:59:59.999'],
          },
        ],
        timezone: 'America/New_York',
        limit: 5,
      },
    });
    expect(verificationQuery(job, { ...definition, measures: [], type: 'originalSql' }, 0)).toEqual({
      problem: 'no query checks it: the pre-aggregation has no measures (type originalSql)',
    });
  });
});

describe("judging Cube's answer", () => {
  test('the same build, with enough rows, is verified', () => {
    const verdict = judgeAnswer(job, { data: [{}, {}], usedPreAggregations: used(builtAtMs) }, 2, undefined);
    expect(verdict).toMatchObject({ outcome: 'verified', rows: 2, builtAt: '2026-12-02T18:33:19.000Z' });
    expect(verdict.servedBuiltAt).toBe(verdict.builtAt);
  });

  test("a newer build than the job's is verified too (Cube serves at least what the job built)", () => {
    expect(judgeAnswer(job, { data: [{}], usedPreAggregations: used(builtAtMs + 60_000) }, 1, undefined).outcome).toBe(
      'verified',
    );
  });

  test('an older build fails, saying when each was made', () => {
    const verdict = judgeAnswer(job, { data: [{}], usedPreAggregations: used(builtAtMs - 3_600_000) }, 0, undefined);
    expect(verdict).toMatchObject({
      outcome: 'failed',
      problem: "Cube answered from an older build (made 2026-12-02T17:33:19.000Z, the job's 2026-12-02T18:33:19.000Z)",
    });
  });

  test("where Cube names the tables it read (dev mode), reading the job's own table is enough", () => {
    const verdict = judgeAnswer(
      job,
      { data: [{}], usedPreAggregations: used(builtAtMs - 3_600_000, { targetTableName: `(SELECT * FROM ${table})` }) },
      0,
      undefined,
    );
    expect(verdict.outcome).toBe('verified');
  });

  test('too few rows fail', () => {
    expect(judgeAnswer(job, { data: [], usedPreAggregations: used(builtAtMs) }, 1, undefined)).toMatchObject({
      outcome: 'failed',
      rows: 0,
      problem: 'the partition has 0 row(s), fewer than minRows (1)',
    });
  });

  test('an answer from the source data fails; one from another pre-aggregation is unchecked', () => {
    expect(judgeAnswer(job, { data: [{}] }, 0, undefined)).toMatchObject({ outcome: 'failed' });
    expect(
      judgeAnswer(
        job,
        {
          data: [{}],
          usedPreAggregations: {
            'prod.orders_by_day': { preAggregationId: 'orders.by_day', lastUpdatedAt: builtAtMs },
          },
        },
        0,
        undefined,
      ),
    ).toMatchObject({ outcome: 'unchecked', problem: expect.stringContaining('from orders.by_day') });
  });

  test('releases that key by table name only (dev mode before 1.7.43) are matched by the logical table', () => {
    const verdict = judgeAnswer(
      job,
      { data: [{}], usedPreAggregations: { 'prod_pre_aggregations.orders_by_month': { lastUpdatedAt: builtAtMs } } },
      1,
      undefined,
    );
    expect(verdict.outcome).toBe('verified');
  });
});

/**
 * Verified builds (`verify`) against a real Temporal dev server and the fake Cube: a build Cube serves
 * succeeds with every partition verified; a partition Cube calls `done` with no rows (cube-js/cube
 * #11609) fails the build with `PreAggregationVerificationError` naming it, or, with `onFailure:
 * 'retrigger'`, is triggered again alone and verified the second time; a pre-aggregation no query can
 * check is reported `unchecked` and does not fail the build.
 */
import { describe, expect, test } from 'vitest';
import { baseSelector, failureOf, fastWait, useBuildEnvironment } from './environment.js';
import { februaryRows, ordersByMonth } from './selectors.js';
import type { PreAggregationBuildFailedDetails } from '../src/workflow-safe.js';

const devServer = useBuildEnvironment();
const run = devServer.run;

/** `orders.by_month` over January to March, February's n-th build importing `rows[n]` rows, and `by_status`. */
const model = (rows: number[]) =>
  ordersByMonth(['2024-01-01', '2024-03-31'], { rows: februaryRows(rows) }, [{ name: 'by_status' }]);

const selector = { ...baseSelector, preAggregations: ['orders.by_month'] };

describe('verified builds', () => {
  test('a build Cube serves succeeds with every partition verified, after one post', async () => {
    const result = await run({ selector, wait: fastWait, verify: { minRows: 1 } }, { model: model([30]) });
    if (!result.ok) throw result.error;
    expect(result.value.triggers).toBe(1);
    expect(result.value.jobs.map((job) => job.verification)).toEqual([
      { outcome: 'verified', rows: 1 },
      { outcome: 'verified', rows: 1 },
      { outcome: 'verified', rows: 1 },
    ]);
    expect(result.cube.requests.filter((r) => r.path.endsWith('/v1/load'))).toHaveLength(3);
  });

  test('a partition done with zero rows fails the build, named, with what verification saw', async () => {
    const result = await run({ selector, wait: fastWait, verify: { minRows: 1 } }, { model: model([0]) });
    if (result.ok) expect.fail('expected the build to fail verification');
    const failure = failureOf(result.error);
    expect(failure.type).toBe('PreAggregationVerificationError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(
      /^1 pre-aggregation partition\(s\) failed verification: prod_pre_aggregations\.orders_by_month20240201_\w+ \(done, but the partition has 0 row\(s\), fewer than minRows \(1\)\)$/,
    );
    const details = failure.details?.[0] as PreAggregationBuildFailedDetails;
    expect(details.failedJobs).toHaveLength(1);
    expect(details.failedJobs[0]).toMatchObject({
      state: 'done',
      verification: { outcome: 'failed', rows: 0 },
      target: { preAggregation: 'orders.by_month', partitionStart: '2024-02-01T00:00:00.000', timezone: 'UTC' },
    });
    expect(result.cube.posts()).toHaveLength(1);
  });

  test('with onFailure retrigger, only the unserved partition is posted again, then verified', async () => {
    const result = await run(
      { selector, wait: fastWait, verify: { minRows: 1 }, policy: { onFailure: 'retrigger' } },
      { model: model([0, 12]) },
    );
    if (!result.ok) throw result.error;
    const posts = result.cube.posts();
    expect(posts).toHaveLength(2);
    expect((posts[1]?.body as { selector: { dateRange?: unknown } }).selector.dateRange).toEqual([
      '2024-02-01T00:00:00.000',
      '2024-02-01T00:00:00.000',
    ]);
    expect(result.value.jobs.map((job) => [job.attempt, job.verification?.outcome])).toEqual([
      [1, 'verified'],
      [1, 'verified'],
      [2, 'verified'],
    ]);
    // January and March were verified once; February twice (its first job, then its retrigger).
    expect(result.cube.requests.filter((r) => r.path.endsWith('/v1/load'))).toHaveLength(4);
  });

  test('a pre-aggregation whose query another one answers is unchecked and does not fail the build', async () => {
    const result = await run(
      { selector: { ...baseSelector, cubes: ['orders'] }, wait: fastWait, verify: true },
      { model: model([30]) },
    );
    if (!result.ok) throw result.error;
    const byStatus = result.value.jobs.find((job) => job.table?.includes('orders_by_status'));
    expect(byStatus?.verification).toMatchObject({ outcome: 'unchecked' });
    expect(byStatus?.verification?.problem).toContain('orders.by_month');
  });

  test('an invalid verify option is refused before anything is posted', async () => {
    const result = await run({ selector, verify: { minRows: -1 } }, { model: model([30]) });
    if (result.ok) expect.fail('expected the input to be refused');
    const failure = failureOf(result.error);
    expect(failure.type).toBe('CubeJobsValidationError');
    expect(failure.message).toContain('input.verify');
    expect(result.cube.posts()).toHaveLength(0);
  });
});

/**
 * `verifyJobs` against the fake Cube over loopback: a build that Cube serves verifies; a partition emptied
 * or dropped after `done` (cube-js/cube #11609) fails, named; a pre-aggregation whose query another one
 * answers is unchecked; a token without the `data` scope is refused with a typed error.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { CubeJobsMissingScopeError, createCubeJobsClient, type CubeJobsClient } from '@cube-jobs/core';
import { startFakeCube, type FakeCube, type FakeCubeOptions } from '../src/index.js';
import { selector } from './helpers.js';

let cube: FakeCube | undefined;
afterEach(async () => {
  await cube?.stop();
  cube = undefined;
});

async function built(
  fake: FakeCubeOptions,
  build: Record<string, unknown>,
): Promise<{ cube: FakeCube; client: CubeJobsClient; tokens: string[] }> {
  cube = await startFakeCube({ buildDurationMs: 10, ...fake });
  const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret, advanced: { pollTickMs: 10 } });
  const tokens = await client.triggerBuild({ ...selector, ...build });
  await client.waitForJobs({ tokens, schedule: { initialPollIntervalMs: 10, maxPollIntervalMs: 20 } });
  return { cube, client, tokens };
}

const twoMonths = { preAggregations: ['orders.by_month'], dateRange: ['2024-01-01', '2024-02-29'] };

describe('verifyJobs over HTTP', () => {
  test('verifies every partition Cube serves, with its range, its build time and its rows', async () => {
    const { cube, client, tokens } = await built({}, twoMonths);
    const verifications = await client.verifyJobs(tokens, { minRows: 1 });
    expect(verifications).toHaveLength(2);
    for (const [i, verification] of verifications.entries()) {
      const job = cube.jobs.find((j) => j.token === tokens[i]);
      expect(verification).toMatchObject({
        token: tokens[i],
        outcome: 'verified',
        preAggregation: 'orders.by_month',
        table: job?.table,
        rows: 1,
      });
      expect(verification.problem).toBeUndefined();
      expect(verification.servedBuiltAt).toBe(verification.builtAt);
    }
    expect(verifications.map((v) => v.dateRange)).toEqual([
      ['2024-01-01T00:00:00.000', '2024-01-31T23:59:59.999'],
      ['2024-02-01T00:00:00.000', '2024-02-29T23:59:59.999'],
    ]);
    // One model read, one query per partition, each bypassing Cube's result cache.
    const loads = cube.requests.filter((r) => r.path.endsWith('/v1/load'));
    expect(loads).toHaveLength(2);
    expect(loads[0]?.body).toMatchObject({ cache: 'no-cache', query: { limit: 1, timezone: 'UTC' } });
    expect(cube.requests.filter((r) => r.path.endsWith('/v1/meta'))).toHaveLength(1);
  });

  test('names the partition emptied after done, and the one dropped after done', async () => {
    const { cube, client, tokens } = await built({}, twoMonths);
    const [january, february] = tokens.map((token) => cube.jobs.find((j) => j.token === token)?.table as string);
    cube.emptyTable(january as string);
    cube.dropTable(february as string);
    const [emptied, dropped] = await client.verifyJobs(tokens, { minRows: 1 });
    expect(emptied).toMatchObject({
      outcome: 'failed',
      table: january,
      rows: 0,
      problem: 'the partition has 0 row(s), fewer than minRows (1)',
    });
    expect(dropped).toMatchObject({ outcome: 'failed', table: february });
    expect(dropped?.problem).toBe(`Cube refused the query: Error: relation "${february}" does not exist`);
    // Without minRows an empty partition still counts as served.
    expect((await client.verifyJobs([tokens[0] as string]))[0]?.outcome).toBe('verified');
  });

  test('catches the zero-row import Cube reports done (#11609)', async () => {
    const { client, tokens } = await built(
      {
        model: {
          cubes: [
            {
              name: 'orders',
              preAggregations: [
                {
                  name: 'by_month',
                  partitionGranularity: 'month',
                  buildRange: ['2024-01-01', '2024-02-29'],
                  rows: (partition) => (partition.partitionStart?.startsWith('2024-02') ? 0 : 12),
                },
              ],
            },
          ],
        },
      },
      { preAggregations: ['orders.by_month'] },
    );
    const verifications = await client.verifyJobs(tokens, { minRows: 5 });
    expect(verifications.map((v) => [v.outcome, v.rows])).toEqual([
      ['verified', 5],
      ['failed', 0],
    ]);
  });

  test('a pre-aggregation whose query another answers first is unchecked, not failed', async () => {
    const { client, tokens } = await built({}, { cubes: ['orders', 'customers'] });
    const verifications = await client.verifyJobs(tokens);
    const byStatus = verifications.find((v) => v.preAggregation === 'orders.by_status');
    expect(byStatus).toMatchObject({ outcome: 'unchecked' });
    expect(byStatus?.problem).toContain('from orders.by_month');
    expect(verifications.find((v) => v.preAggregation === 'customers.by_region')?.outcome).toBe('verified');
    expect(
      verifications.filter((v) => v.preAggregation === 'orders.by_month').every((v) => v.outcome === 'verified'),
    ).toBe(true);
  });

  test('a job that is not done is unchecked', async () => {
    cube = await startFakeCube({ buildDurationMs: 60_000 });
    const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret });
    const tokens = await client.triggerBuild({ ...selector, preAggregations: ['customers.by_region'] });
    const [verification] = await client.verifyJobs(tokens);
    expect(verification).toMatchObject({ outcome: 'unchecked', problem: 'the job is not done (processing)' });
    expect(cube.requests.filter((r) => r.path.endsWith('/v1/load'))).toHaveLength(0);
  });

  test('a token without the data scope gets a typed error naming the scope', async () => {
    const { tokens } = await built({ scopes: ['jobs', 'meta'] }, twoMonths);
    const client = createCubeJobsClient({ apiUrl: (cube as FakeCube).url, apiSecret: (cube as FakeCube).apiSecret });
    const error = await client.verifyJobs(tokens).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeJobsMissingScopeError);
    expect((error as CubeJobsMissingScopeError).cubeMessage).toBe('API scope is missing: data');
  });
});

/**
 * Verification on the real sample Cube (1.7.43) on PostgreSQL: a normal build verifies partition by
 * partition; a partition whose rows are deleted after `done` (what cube-js/cube #11609's zero-row
 * imports leave) and one whose table is dropped are caught and named, while Cube still reads both jobs
 * `done`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCubeJobsClient, type CubeJobsClient } from '@cube-jobs/core';
import { spawnSampleCube, startPostgres, type SpawnedSampleCube, type StartedPostgres } from '../src/index.js';

let postgres: StartedPostgres;
let cube: SpawnedSampleCube;
let client: CubeJobsClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sample-cube-verify-'));
  postgres = await startPostgres();
  await postgres.query('CREATE SCHEMA prod_pre_aggregations');
  cube = await spawnSampleCube({ dataDir, env: postgres.cubeEnv });
  client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret });
}, 180_000);
afterAll(async () => {
  await cube?.stop();
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const selector = {
  contexts: [{ securityContext: {} }],
  timezones: ['UTC'],
  preAggregations: ['orders.by_month', 'customers.by_region'],
  dateRange: ['2024-01-01', '2024-03-31'] as [string, string],
};

describe('verifyJobs on Cube 1.7.43 (PostgreSQL)', () => {
  test('a normal build verifies; a partition emptied and one dropped after done are caught and named', async () => {
    const tokens = await client.triggerBuild(selector);
    const { jobs } = await client.waitForJobs({ tokens });
    expect(jobs.map((job) => job.state)).toEqual(['done', 'done', 'done', 'done']);

    const verified = await client.verifyJobs(tokens, { minRows: 1 });
    expect(verified.map((v) => v.token)).toEqual(tokens);
    expect(verified.map((v) => `${v.preAggregation} ${v.dateRange?.join('..') ?? ''} ${v.outcome}`).sort()).toEqual([
      'customers.by_region  verified',
      'orders.by_month 2024-01-01T00:00:00.000..2024-01-31T23:59:59.999 verified',
      'orders.by_month 2024-02-01T00:00:00.000..2024-02-29T23:59:59.999 verified',
      'orders.by_month 2024-03-01T00:00:00.000..2024-03-31T23:59:59.999 verified',
    ]);
    for (const verification of verified) {
      // Cube read this very build: its lastUpdatedAt is the build time in the job's table name.
      expect(verification.servedBuiltAt).toBe(verification.builtAt);
      expect(verification.rows).toBe(1);
    }

    const tableOf = (start: string) => jobs.find((job) => job.partitionStart === start)?.table as string;
    const january = tableOf('2024-01-01T00:00:00.000');
    const february = tableOf('2024-02-01T00:00:00.000');
    const [count] = await postgres.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${january}`);
    expect(count?.n).toBeGreaterThan(0);
    await postgres.query(`DELETE FROM ${january}`);
    await postgres.query(`DROP TABLE ${february}`);
    // Cube still calls both done.
    expect((await client.getJobStatuses(tokens)).map((job) => job.state)).toEqual(['done', 'done', 'done', 'done']);

    const after = await client.verifyJobs(tokens, { minRows: 1 });
    const of = (table: string) => after.find((v) => v.table === table);
    expect(of(january)).toMatchObject({
      outcome: 'failed',
      table: january,
      rows: 0,
      problem: 'the partition has 0 row(s), fewer than minRows (1)',
    });
    expect(of(february)).toMatchObject({
      outcome: 'failed',
      table: february,
      problem: `Cube refused the query: Error: relation "${february}" does not exist`,
    });
    expect(after.filter((v) => v.table !== january && v.table !== february).map((v) => v.outcome)).toEqual([
      'verified',
      'verified',
    ]);
  });
});

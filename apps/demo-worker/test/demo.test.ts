/**
 * End to end: `npm run demo`'s program, non-interactively, against a real Temporal dev server and the
 * real sample Cube (Cube 1.7.43 on DuckDB), then a look into the database it built.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listDuckDbTables } from '@cube-jobs/sample-cube';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url));

interface Summary {
  builds: Array<{
    outcome: string;
    jobs: Array<{ table: string; state: string; verification?: { outcome: string; problem?: string } }>;
    failureType?: string;
    failedTables?: string[];
  }>;
  tablesBuilt: string[];
  databasePath: string;
  cubeMode: string;
}

let dir: string;
let stdout: string;
let summary: Summary;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'demo-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env, SAMPLE_CUBE_DATA_DIR: join(dir, 'cube') };
  for (const name of ['TEMPORAL_ADDRESS', 'CUBE_API_URL', 'CUBE_API_SECRET', 'CUBE_API_TOKEN']) delete env[name];
  ({ stdout } = await run(process.execPath, [demo, '--summary-file', join(dir, 'summary.json')], {
    env,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  }));
  summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run demo', () => {
  test('builds every sample pre-aggregation', () => {
    const [all] = summary.builds;
    expect(all?.outcome).toBe('succeeded');
    expect(
      all?.jobs
        .map((j) => j.table.replace(/^prod_pre_aggregations\./, '').replace(/_[a-z0-9]+_[a-z0-9]+_[a-z0-9]+$/, ''))
        .sort(),
    ).toEqual([
      'customers_by_region',
      'orders_by_month20240101',
      'orders_by_month20240201',
      'orders_by_month20240301',
      'orders_by_month20240401',
      'orders_by_month20240501',
      'orders_by_month20240601',
      'orders_by_status',
    ]);
  });

  test('the dateRange rebuild rebuilt exactly one partition', () => {
    const rebuild = summary.builds[1];
    expect(rebuild?.outcome).toBe('succeeded');
    expect(rebuild?.jobs).toHaveLength(1);
    expect(rebuild?.jobs[0]?.table).toMatch(/^prod_pre_aggregations\.orders_by_month20240201_/);
  });

  test('the broken pre-aggregation ends in a typed failure naming its partitions', () => {
    const broken = summary.builds[2];
    expect(broken?.outcome).toBe('failed');
    expect(broken?.failureType).toBe('PreAggregationBuildFailedError');
    expect(broken?.failedTables?.map((t) => t.replace(/_[a-z0-9]+_[a-z0-9]+_[a-z0-9]+$/, ''))).toEqual([
      'prod_pre_aggregations.broken_broken_rollup20240101',
      'prod_pre_aggregations.broken_broken_rollup20240201',
    ]);
  });

  test('Cube serves every partition it built: verified by a query each, except one no query reads', () => {
    const [all, rebuild] = summary.builds;
    const outcomes = (all?.jobs ?? []).map((j) => [
      j.table.replace(/_[a-z0-9]+_[a-z0-9]+_[a-z0-9]+$/, ''),
      j.verification?.outcome,
    ]);
    expect(outcomes.filter(([, outcome]) => outcome === 'verified')).toHaveLength(7);
    // orders.by_month comes first in the model and answers orders.by_status's query too.
    expect(outcomes.filter(([, outcome]) => outcome !== 'verified')).toEqual([
      ['prod_pre_aggregations.orders_by_status', 'unchecked'],
    ]);
    expect(rebuild?.jobs[0]?.verification?.outcome).toBe('verified');
    expect(stdout).toContain('✓ verified: Cube answers a query of 7 partition(s) from the new build');
  });

  test('the built tables exist in the sample database', async () => {
    const tables = await listDuckDbTables(summary.databasePath, 'prod_pre_aggregations');
    for (const table of summary.tablesBuilt) expect(tables).toContain(table.replace(/^prod_pre_aggregations\./, ''));
    expect(summary.tablesBuilt).toHaveLength(9);
  });

  test('prints a summary, the Web UI link, and ends cleanly', () => {
    expect(stdout).toContain('Summary');
    expect(stdout).toMatch(/Temporal Web UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows/);
    expect(stdout.trimEnd()).toMatch(/Done\.$/);
  });
});

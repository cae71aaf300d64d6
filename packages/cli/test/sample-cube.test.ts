/**
 * The CLI against the real sample Cube (Cube 1.7.43 on DuckDB): doctor passes, a build of one month
 * succeeds, a wrong secret is caught by doctor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSampleCube, type SpawnedSampleCube } from '@cube-jobs/sample-cube';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EXIT_CODES } from '../src/index.js';
import { cubeJobs } from './run.js';

let cube: SpawnedSampleCube;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-sample-cube-'));
  cube = await spawnSampleCube({ dataDir: dir });
}, 120_000);
afterAll(async () => {
  await cube?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('doctor --post: every check passes on the real Cube', async () => {
  const run = await cubeJobs(['doctor', '--pre-aggregation', 'orders.by_status', '--post'], {
    CUBE_API_URL: cube.url,
    CUBE_API_SECRET: cube.apiSecret,
  });
  expect(run.code, run.stdout + run.stderr).toBe(EXIT_CODES.ok);
  expect(run.stdout).toContain('✓ jobs scope: granted');
  expect(run.stdout).toContain('✓ selector matches: 1 job(s) started');
});

test('build one month of orders.by_month: exactly one partition, exit 0', async () => {
  const run = await cubeJobs(
    ['build', '--pre-aggregation', 'orders.by_month', '--date-range', '2024-02-01,2024-02-29', '--json'],
    {
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: cube.apiSecret,
    },
  );
  expect(run.code, run.stderr).toBe(EXIT_CODES.ok);
  const out = JSON.parse(run.stdout) as { outcome: string; jobs: Array<{ state: string; table: string }> };
  expect(out.outcome).toBe('succeeded');
  expect(out.jobs).toHaveLength(1);
  expect(out.jobs[0]?.table).toMatch(/orders_by_month20240201/);
});

test('doctor with a wrong secret: the credentials check fails, exit 3', async () => {
  const run = await cubeJobs(['doctor'], { CUBE_API_URL: cube.url, CUBE_API_SECRET: 'x'.repeat(40) });
  expect(run.code).toBe(EXIT_CODES.unavailable);
  expect(run.stdout).toContain('✗ credentials');
});

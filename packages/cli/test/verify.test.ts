/**
 * `cube-jobs verify`, `build --verify` (straight against Cube) and doctor's data-scope check, run as a
 * binary against the fake Cube over loopback: a partition Cube serves verifies; one emptied after `done`
 * (cube-js/cube #11609) or imported with no rows fails, named; a missing data or meta scope is one line
 * naming it (exit 3); a bad --min-rows is a usage error.
 */
import { startFakeCube, type FakeCube, type FakeCubeOptions } from '@cube-jobs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { EXIT_CODES } from '../src/index.js';
import { cubeJobs, hasStack } from './run.js';

/** Orders by month (January to March 2024, February imported with no rows: #11609) and customers. */
const MODEL: FakeCubeOptions['model'] = {
  cubes: [
    {
      name: 'orders',
      preAggregations: [
        {
          name: 'by_month',
          partitionGranularity: 'month',
          buildRange: ['2024-01-01', '2024-03-31'],
          rows: (partition) => (partition.partitionStart?.startsWith('2024-02') ? 0 : 5),
        },
      ],
    },
    { name: 'customers', preAggregations: [{ name: 'by_region', rows: 3 }] },
  ],
};

let cube: FakeCube;
let vars: Record<string, string>;
/** Fakes a test started for itself, stopped after it. */
const extra: FakeCube[] = [];

beforeAll(async () => {
  cube = await startFakeCube({ buildDurationMs: 50, model: MODEL });
  vars = { CUBE_API_URL: cube.url, CUBE_API_SECRET: cube.apiSecret };
});
afterEach(async () => {
  await Promise.all(extra.splice(0).map((fake) => fake.stop()));
});
afterAll(async () => {
  await cube?.stop();
});

/** Builds a selector with `build --no-wait`, waits until Cube calls every job done; returns the tokens and tables. */
async function built(fake: FakeCube, selector: string[]): Promise<{ tokens: string[]; tables: string[] }> {
  const run = await cubeJobs(['build', ...selector, '--no-wait'], {
    CUBE_API_URL: fake.url,
    CUBE_API_SECRET: fake.apiSecret,
  });
  expect(run.code, run.stderr).toBe(EXIT_CODES.ok);
  const tokens = run.stdout.trim().split('\n');
  for (let waited = 0; tokens.some((token) => fake.statusOf(token) !== 'done'); waited += 50) {
    if (waited > 10_000) throw new Error(`jobs not done: ${tokens.map((t) => fake.statusOf(t)).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const tables = tokens.map((token) => fake.jobs.find((job) => job.token === token)?.table as string);
  return { tokens, tables };
}

const loads = (fake: FakeCube) => fake.requests.filter((request) => request.path.endsWith('/v1/load')).length;
const january = ['--pre-aggregation', 'orders.by_month', '--date-range', '2024-01-01,2024-01-31'];

describe('verify', () => {
  test('every partition served: one line each with its outcome, table, range and rows, exit 0', async () => {
    const { tokens } = await built(cube, ['--pre-aggregation', 'customers.by_region', ...january]);
    const before = loads(cube);
    const run = await cubeJobs(['verify', ...tokens], vars);
    expect(run.code, run.stderr).toBe(EXIT_CODES.ok);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(tokens.length + 1);
    expect(run.stdout).toMatch(/^verified\s+customers_by_region\s+1 row\(s\)$/m);
    expect(run.stdout).toMatch(/^verified\s+orders_by_month20240101\s+2024-01-01\.\.2024-01-31\s+1 row\(s\)$/m);
    expect(lines.at(-1)).toBe(`Verification: ${tokens.length} verified`);
    expect(loads(cube) - before).toBe(tokens.length);
    expect(run.stdout + run.stderr).not.toContain(cube.apiSecret);
  });

  test('a partition emptied after done, with --min-rows 1: named with the problem, exit 1', async () => {
    const { tokens, tables } = await built(cube, [...january, '--pre-aggregation', 'customers.by_region']);
    const emptied = tables.find((table) => table.includes('orders_by_month')) as string;
    cube.emptyTable(emptied);
    // Without --min-rows an empty partition still counts as served; with it, it does not.
    const lenient = await cubeJobs(['verify', ...tokens], vars);
    expect(lenient.code, lenient.stdout + lenient.stderr).toBe(EXIT_CODES.ok);
    const run = await cubeJobs(['verify', ...tokens, '--min-rows', '1'], vars);
    expect(run.code, run.stdout + run.stderr).toBe(EXIT_CODES.failed);
    expect(run.stdout).toMatch(
      /^failed\s+orders_by_month20240101\s+2024-01-01\.\.2024-01-31\s+0 row\(s\)\s+the partition has 0 row\(s\), fewer than minRows \(1\)$/m,
    );
    expect(run.stdout).toMatch(/^verified\s+customers_by_region\s+1 row\(s\)$/m);
    expect(run.stdout).toContain('Verification: 1 verified, 1 failed');
  });

  test('--json: { partitions } as core returns them, in token order', async () => {
    const { tokens, tables } = await built(cube, ['--pre-aggregation', 'orders.by_month']);
    const run = await cubeJobs(['verify', ...tokens, '--min-rows', '2', '--json'], vars);
    expect(run.code).toBe(EXIT_CODES.failed); // February was imported with no rows
    const out = JSON.parse(run.stdout) as { partitions: Array<Record<string, unknown>> };
    expect(Object.keys(out)).toEqual(['partitions']);
    expect(out.partitions.map((p) => p.token)).toEqual(tokens);
    expect(out.partitions.map((p) => [p.table, p.outcome, p.rows])).toEqual([
      [tables[0], 'verified', 2],
      [tables[1], 'failed', 0],
      [tables[2], 'verified', 2],
    ]);
    expect(out.partitions[1]).toMatchObject({
      preAggregation: 'orders.by_month',
      timezone: 'UTC',
      dateRange: ['2024-02-01T00:00:00.000', '2024-02-29T23:59:59.999'],
      problem: 'the partition has 0 row(s), fewer than minRows (2)',
      builtAt: expect.any(String),
    });
  });

  test('a job not done yet is unchecked: reported, exit 0', async () => {
    const slow = await startFakeCube({ buildDurationMs: 60_000 });
    extra.push(slow);
    const slowVars = { CUBE_API_URL: slow.url, CUBE_API_SECRET: slow.apiSecret };
    const started = await cubeJobs(['build', '--pre-aggregation', 'customers.by_region', '--no-wait'], slowVars);
    const run = await cubeJobs(['verify', ...started.stdout.trim().split('\n')], slowVars);
    expect(run.code, run.stderr).toBe(EXIT_CODES.ok);
    expect(run.stdout).toMatch(/^unchecked\s+customers_by_region\s+the job is not done \(processing\)$/m);
    expect(run.stdout).toContain('Verification: 1 unchecked');
  });

  test.each([
    ['data', ['jobs', 'meta']],
    ['meta', ['jobs', 'data']],
  ])('without the %s scope: one line naming it and how to grant it, exit 3', async (scope, scopes) => {
    const narrow = await startFakeCube({ buildDurationMs: 20, scopes });
    extra.push(narrow);
    const { tokens } = await built(narrow, january);
    const run = await cubeJobs(['verify', ...tokens], { CUBE_API_URL: narrow.url, CUBE_API_SECRET: narrow.apiSecret });
    expect(run.code).toBe(EXIT_CODES.unavailable);
    expect(run.stderr).toBe(
      `cube-jobs: Cube at ${narrow.url} accepted the credentials but does not grant the ${scope} scope, which verifying needs: ` +
        `add "${scope}" to CUBEJS_DEFAULT_API_SCOPES (or to what contextToApiScopes returns, or the token's scopes)\n`,
    );
    expect(run.stdout).toBe('');
  });

  test.each([
    [['--min-rows', '-1'], '--min-rows'],
    [['--min-rows=-1'], '--min-rows: must be a whole number from 0 to 1000000, got "-1"'],
    [['--min-rows', '1.5'], '--min-rows: must be a whole number from 0 to 1000000, got "1.5"'],
    [['--min-rows', 'lots'], '--min-rows: must be a whole number from 0 to 1000000, got "lots"'],
  ])('%j: a usage error naming the flag, exit 2, no query', async (flags, message) => {
    const before = cube.requests.length;
    const run = await cubeJobs(['verify', 'some-token', ...flags], vars);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain(message);
    expect(hasStack(run.stderr)).toBe(false);
    expect(cube.requests.length).toBe(before);
  });

  test('no token: a usage error, exit 2', async () => {
    const run = await cubeJobs(['verify', '--min-rows', '1'], vars);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain('verify: give at least one job token');
  });
});

describe('build --verify, straight against Cube', () => {
  test('every partition served: the build, then one line per partition, exit 0', async () => {
    const before = loads(cube);
    const run = await cubeJobs(['build', ...january, '--pre-aggregation', 'customers.by_region', '--verify'], vars);
    expect(run.code, run.stdout + run.stderr).toBe(EXIT_CODES.ok);
    expect(run.stdout).toContain('Succeeded: 2 job(s) done');
    expect(run.stdout).toContain('Verification: 2 verified\n');
    expect(run.stdout).toMatch(/^ {2}verified\s+orders_by_month20240101\s+2024-01-01\.\.2024-01-31\s+1 row\(s\)$/m);
    expect(run.stdout).toMatch(/^ {2}verified\s+customers_by_region\s+1 row\(s\)$/m);
    expect(loads(cube) - before).toBe(2);
  });

  test('a partition imported with no rows (--min-rows 1): named with the problem, exit 1', async () => {
    const run = await cubeJobs(['build', '--pre-aggregation', 'orders.by_month', '--verify', '--min-rows', '1'], vars);
    expect(run.code, run.stdout + run.stderr).toBe(EXIT_CODES.failed);
    expect(run.stdout).toContain('Succeeded: 3 job(s) done');
    expect(run.stdout).toContain('Verification: 2 verified, 1 failed');
    expect(run.stdout).toMatch(
      /^ {2}failed\s+orders_by_month20240201\s+2024-02-01\.\.2024-02-29\s+0 row\(s\)\s+the partition has 0 row\(s\), fewer than minRows \(1\)$/m,
    );
  });

  test('--json: the build with its verification; a failed one is outcome failed', async () => {
    const run = await cubeJobs(
      ['build', '--pre-aggregation', 'orders.by_month', '--verify', '--min-rows', '1', '--json'],
      vars,
    );
    expect(run.code).toBe(EXIT_CODES.failed);
    const out = JSON.parse(run.stdout) as {
      outcome: string;
      failureType: string;
      tokens: string[];
      jobs: Array<{ state: string }>;
      verification: Array<{ token: string; outcome: string }>;
    };
    expect(out).toMatchObject({ mode: 'direct', outcome: 'failed', failureType: 'PreAggregationVerificationError' });
    expect(out.jobs.map((job) => job.state)).toEqual(['done', 'done', 'done']);
    expect(out.verification.map((v) => [v.token, v.outcome])).toEqual(
      out.tokens.map((token, i) => [token, i === 1 ? 'failed' : 'verified']),
    );
    const served = await cubeJobs(['build', ...january, '--verify', '--json'], vars);
    expect(served.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(served.stdout)).toMatchObject({ outcome: 'succeeded', verification: [{ outcome: 'verified' }] });
  });

  test('without --verify nothing is queried', async () => {
    const before = loads(cube);
    const run = await cubeJobs(['build', ...january], vars);
    expect(run.code).toBe(EXIT_CODES.ok);
    expect(run.stdout).not.toContain('Verification');
    expect(loads(cube)).toBe(before);
  });

  test.each([
    [['--min-rows', '1'], 'build: --min-rows needs --verify'],
    [['--verify', '--min-rows=-1'], '--min-rows: must be a whole number'],
    [['--verify', '--no-wait'], 'build: --verify needs the wait'],
  ])('%j: a usage error, exit 2, nothing started', async (flags, message) => {
    const posts = cube.posts().length;
    const run = await cubeJobs(['build', ...january, ...flags], vars);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain(message);
    expect(cube.posts().length).toBe(posts);
  });
});

describe('doctor: data scope (verify)', () => {
  type Report = { exitCode: number; checks: Array<{ check: string; status: string; saw: string; fix?: string }> };
  const dataCheck = (stdout: string) =>
    (JSON.parse(stdout) as Report).checks.find((check) => check.check === 'data scope (verify)');

  test('granted on a default fake Cube: ok, after the jobs scope', async () => {
    const fake = await startFakeCube();
    extra.push(fake);
    const fakeVars = { CUBE_API_URL: fake.url, CUBE_API_SECRET: fake.apiSecret };
    const json = await cubeJobs(['doctor', '--json'], fakeVars);
    expect(json.code).toBe(EXIT_CODES.ok);
    expect(dataCheck(json.stdout)).toEqual({ check: 'data scope (verify)', status: 'ok', saw: 'granted' });
    const checks = (JSON.parse(json.stdout) as Report).checks.map((check) => check.check);
    expect(checks.indexOf('data scope (verify)')).toBe(checks.indexOf('jobs scope') + 1);
    // One empty query, with doctor's credentials.
    const queries = fake.requests.filter((request) => request.path.endsWith('/v1/load'));
    expect(queries.map((request) => request.body)).toEqual([{ query: {} }]);
    const text = await cubeJobs(['doctor'], fakeVars);
    expect(text.stdout).toContain('✓ data scope (verify): granted\n');
  });

  test('missing: a warning with what Cube said and the fix, doctor still passes', async () => {
    const fake = await startFakeCube({ scopes: ['jobs', 'meta'] });
    extra.push(fake);
    const fakeVars = { CUBE_API_URL: fake.url, CUBE_API_SECRET: fake.apiSecret };
    const json = await cubeJobs(['doctor', '--cube', 'orders', '--json'], fakeVars);
    expect(json.code).toBe(EXIT_CODES.ok);
    expect((JSON.parse(json.stdout) as Report).exitCode).toBe(EXIT_CODES.ok);
    expect(dataCheck(json.stdout)).toEqual({
      check: 'data scope (verify)',
      status: 'warning',
      saw: 'API scope is missing: data',
      fix: 'add "data" to CUBEJS_DEFAULT_API_SCOPES (or to what contextToApiScopes returns): builds with --verify query Cube',
    });
    const text = await cubeJobs(['doctor', '--cube', 'orders'], fakeVars);
    expect(text.code).toBe(EXIT_CODES.ok);
    expect(text.stdout).toContain('! data scope (verify): API scope is missing: data\n    fix: add "data"');
    expect(text.stdout).toContain('✓ cubes exist');
  });
});

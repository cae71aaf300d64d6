/**
 * Every `cube-jobs` command, run as a binary against the fake Cube over loopback and a real Temporal dev
 * server (with a worker hosting the plugin for `--temporal` and schedules): output, `--json`, exit codes,
 * and that secrets never appear.
 */
import { randomUUID } from 'node:crypto';
import { createCubeJobsClient } from '@cube-jobs/core';
import { buildWorkflowId, cubeJobsPlugin } from '@cube-jobs/temporal-workflows';
import { freePort, startFakeCube, type FakeCube } from '@cube-jobs/testing';
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXIT_CODES } from '../src/index.js';
import { cubeJobs, hasStack } from './run.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

let env: TestWorkflowEnvironment;
let cube: FakeCube;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `cli-${randomUUID()}`;
let cubeVars: Record<string, string>;
let temporalVars: Record<string, string>;

beforeAll(async () => {
  env = await createLocalTestEnvironment();
  cube = await startFakeCube({
    buildDurationMs: 100,
    model: {
      cubes: [
        {
          name: 'orders',
          preAggregations: [
            { name: 'by_month', partitionGranularity: 'month', buildRange: ['2024-01-01', '2024-03-31'] },
            { name: 'by_status' },
            { name: 'broken', outcome: 'relation "missing" does not exist' },
          ],
        },
      ],
    },
    scopes: (claims) => ((claims as { scopes?: string[] } | undefined)?.scopes ? ['meta'] : ['meta', 'data', 'jobs']),
  });
  cubeVars = { CUBE_API_URL: cube.url, CUBE_API_SECRET: cube.apiSecret };
  temporalVars = { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue };
  const client = createCubeJobsClient({
    apiUrl: cube.url,
    apiSecret: cube.apiSecret,
    advanced: { maxRetries: 0, pollTickMs: 50 },
  });
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, plugins: [cubeJobsPlugin({ client })] });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await cube?.stop();
  await env?.teardown();
});

const noSecrets = (text: string) => expect(text).not.toContain(cube.apiSecret);

describe('usage', () => {
  test('--help for the tool and every command, exit 0', async () => {
    const main = await cubeJobs(['--help']);
    expect(main.code).toBe(EXIT_CODES.ok);
    expect(main.stdout).toMatch(/Usage: cube-jobs <command>/);
    for (const name of ['build', 'status', 'verify', 'schedule', 'doctor']) {
      const help = await cubeJobs([name, '--help']);
      expect([name, help.code]).toEqual([name, EXIT_CODES.ok]);
      expect(help.stdout).toContain(`Usage: cube-jobs ${name}`);
    }
  });

  test.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['build', '--bogus'], "Unknown option '--bogus'"],
    [['build', '--date-range', '2024-01-01'], '--date-range: must be <start>,<end>'],
    [['build', '--date-range', '2024-02-30,2024-03-01'], '--date-range'],
    [['build', '--context', '{tenant:1}'], '--context #1: must be a JSON object such as \'{"tenant":"acme"}\''],
    [['build', '--timezone', 'Mars/Olympus'], '--timezone'],
    [['status'], 'status: give at least one job token'],
    [['verify', 'abc', '--min-rows=-1'], '--min-rows: must be a whole number'],
    [['schedule', 'explode'], 'schedule: unknown subcommand "explode"'],
    [['schedule', 'backfill', '--from', '2024-01-01'], 'schedule backfill: --to is required'],
  ])('%j: one line naming the problem, exit 2, nothing started', async (args, message) => {
    const posts = cube.posts().length;
    const run = await cubeJobs(args, { ...cubeVars, ...temporalVars });
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain(message);
    expect(hasStack(run.stderr)).toBe(false);
    expect(cube.posts().length).toBe(posts);
  });

  test('missing configuration names the variables, exit 2', async () => {
    const run = await cubeJobs(['build', '--cube', 'orders']);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain('CUBE_API_URL (or --url): is required');
    expect(run.stderr).toContain('CUBE_API_SECRET or CUBE_API_TOKEN');
  });
});

describe('build and status, straight against Cube', () => {
  test('builds and prints one line per job, exit 0', async () => {
    const run = await cubeJobs(['build', '--pre-aggregation', 'orders.by_month'], cubeVars);
    expect(run.code, run.stderr).toBe(EXIT_CODES.ok);
    expect(run.stdout).toContain('Triggered 3 job(s)');
    expect(run.stdout).toMatch(/orders_by_month20240101\s+done/);
    expect(run.stdout).toContain('Succeeded: 3 job(s) done');
    noSecrets(run.stdout + run.stderr);
  });

  test('--json: one document with every job', async () => {
    const run = await cubeJobs(['build', '--pre-aggregation', 'orders.by_status', '--json'], cubeVars);
    expect(run.code).toBe(EXIT_CODES.ok);
    const out = JSON.parse(run.stdout) as { outcome: string; tokens: string[]; jobs: Array<{ state: string }> };
    expect(out.outcome).toBe('succeeded');
    expect(out.jobs.map((job) => job.state)).toEqual(['done']);
    noSecrets(run.stdout);
  });

  test("a failed build lists the job with Cube's error, exit 1", async () => {
    const run = await cubeJobs(['build', '--pre-aggregation', 'orders.broken'], cubeVars);
    expect(run.code).toBe(EXIT_CODES.failed);
    expect(run.stdout, run.stdout + run.stderr).toContain('relation "missing" does not exist');
  });

  test('--no-wait prints the tokens; status reads them', async () => {
    const started = await cubeJobs(['build', '--pre-aggregation', 'orders.by_month', '--no-wait'], cubeVars);
    expect(started.code).toBe(EXIT_CODES.ok);
    const tokens = started.stdout.trim().split('\n');
    expect(tokens).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const status = await cubeJobs(['status', ...tokens, '--json'], cubeVars);
    expect(status.code).toBe(EXIT_CODES.ok);
    const jobs = (JSON.parse(status.stdout) as { jobs: Array<{ token: string; state: string }> }).jobs;
    expect(jobs.map((job) => [job.token, job.state])).toEqual(tokens.map((token) => [token, 'done']));
    const text = await cubeJobs(['status', tokens[0] as string], cubeVars);
    expect(text.stdout).toMatch(new RegExp(`^${tokens[0]}\\s+done\\s+orders_by_month`));
  });

  test('status follows a job Cube merged into an identical build among the tokens', async () => {
    const slow = await startFakeCube({ buildDurationMs: 3000 });
    try {
      const vars = { CUBE_API_URL: slow.url, CUBE_API_SECRET: slow.apiSecret };
      const build = () => cubeJobs(['build', '--pre-aggregation', 'orders.by_status', '--no-wait'], vars);
      const [first] = (await build()).stdout.trim().split('\n');
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 50)); // another second
      const [second] = (await build()).stdout.trim().split('\n');
      expect(slow.jobs.find((job) => job.token === second)?.dedupedInto).toBe(first);
      const running = await cubeJobs(['status', first as string, second as string], vars);
      expect(running.stdout).toMatch(new RegExp(`^${second}\\s+processing\\s+.*\\(merged into ${first}\\)$`, 'm'));
      // A read of both once the first is done: the first was planned in the second before (or the same),
      // so it built what the second asked for; two seconds apart, it may have finished before.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const json = await cubeJobs(['status', first as string, second as string, '--json'], vars);
      const plannedSecond = (token: string | undefined) =>
        Math.floor((slow.jobs.find((job) => job.token === token)?.enqueuedAtMs ?? 0) / 1000);
      const adjacent = plannedSecond(second) - plannedSecond(first) <= 1;
      expect(JSON.parse(json.stdout)).toMatchObject({
        jobs: [
          { token: first, state: 'done', status: 'done' },
          adjacent
            ? { token: second, state: 'done', status: 'missing_partition', mergedInto: first }
            : { token: second, state: 'missing_partition', status: 'missing_partition', mergedInto: null },
        ],
      });
      const text = await cubeJobs(['status', second as string], vars);
      expect(text.stdout).toMatch(/missing_partition .* \(Cube merged it into another build of this partition\)/);
    } finally {
      await slow.stop();
    }
  });

  test("a selector that matches nothing: Cube's words, exit 2", async () => {
    const run = await cubeJobs(['build', '--pre-aggregation', 'orders.nope'], cubeVars);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain(
      "Cube rejected the selector: A user's selector doesn't match any of the pre-aggregations",
    );
  });

  test('Cube unreachable: names the URL within seconds, exit 3', async () => {
    const url = `http://127.0.0.1:${await freePort()}/cubejs-api`;
    const run = await cubeJobs(['build', '--cube', 'orders'], { CUBE_API_URL: url, CUBE_API_SECRET: cube.apiSecret });
    expect(run.code).toBe(EXIT_CODES.unavailable);
    expect(run.stderr).toContain(`Cannot reach Cube at ${url} (CUBE_API_URL)`);
    expect(run.elapsedMs).toBeLessThan(30_000);
    noSecrets(run.stderr);
  });

  test('a wrong secret: exit 3, the secret never printed', async () => {
    const run = await cubeJobs(['status', 'abc', '--json'], {
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: 'not-the-secret-0123456789',
    });
    expect(run.code).toBe(EXIT_CODES.unavailable);
    expect(run.stderr).toMatch(/rejected the credentials \(40[13]\): check CUBE_API_SECRET/);
    expect(run.stdout + run.stderr).not.toContain('not-the-secret-0123456789');
  });
});

describe('build --temporal', () => {
  test('starts the workflow with the deterministic id and follows it, exit 0', async () => {
    const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'], preAggregations: ['orders.by_status'] };
    const run = await cubeJobs(
      ['build', '--temporal', '--pre-aggregation', 'orders.by_status', '--deployment', 'cli-test'],
      {
        ...cubeVars,
        ...temporalVars,
      },
    );
    expect(run.code, run.stderr).toBe(EXIT_CODES.ok);
    expect(run.stdout).toContain(`Workflow ${buildWorkflowId(selector, { deployment: 'cli-test' })}`);
    expect(run.stdout).toContain('Succeeded: 1 job(s) done');
    const noWait = await cubeJobs(['build', '--temporal', '--no-wait', '--cube', 'orders', '--json'], temporalVars);
    expect(noWait.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(noWait.stdout)).toMatchObject({
      workflowId: expect.stringMatching(/^cube-preagg-build:default:/),
    });
  });

  test('--verify: the workflow verifies each partition (input verify), exit 0', async () => {
    const deployment = `verify-${randomUUID()}`;
    const flags = ['--temporal', '--pre-aggregation', 'orders.by_month', '--deployment', deployment, '--verify'];
    const run = await cubeJobs(['build', ...flags, '--min-rows', '1', '--json'], temporalVars);
    expect(run.code, run.stdout + run.stderr).toBe(EXIT_CODES.ok);
    const out = JSON.parse(run.stdout) as { workflowId: string; jobs: Array<{ verification?: unknown }> };
    expect(out.jobs.map((job) => job.verification)).toEqual([1, 2, 3].map(() => ({ outcome: 'verified', rows: 1 })));
    const history = await env.client.workflow.getHandle(out.workflowId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    expect(JSON.parse(Buffer.from(input as Uint8Array).toString())).toMatchObject({ verify: { minRows: 1 } });
    const text = await cubeJobs(['build', ...flags], temporalVars);
    expect(text.code, text.stdout + text.stderr).toBe(EXIT_CODES.ok);
    expect(text.stdout).toContain('Verification: 3 verified\n');
  });

  test('a failed build: the failure type, exit 1', async () => {
    const run = await cubeJobs(['build', '--temporal', '--pre-aggregation', 'orders.broken'], temporalVars);
    expect(run.code).toBe(EXIT_CODES.failed);
    expect(run.stdout).toContain('Failed with PreAggregationBuildFailedError');
  });

  test('Temporal unreachable: names the address, exit 3', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const run = await cubeJobs(['build', '--temporal', '--cube', 'orders'], { TEMPORAL_ADDRESS: address });
    expect(run.code).toBe(EXIT_CODES.unavailable);
    expect(run.stderr).toContain(`Cannot reach Temporal at ${address} (TEMPORAL_ADDRESS)`);
  });
});

describe('schedule', () => {
  test('create, list, describe, pause, unpause, delete; an unknown id is exit 2', async () => {
    const id = `cli-${randomUUID()}`;
    const create = await cubeJobs(
      [
        'schedule',
        'create',
        id,
        '--cron',
        '0 3 * * *',
        '--schedule-timezone',
        'Europe/Berlin',
        '--pre-aggregation',
        'orders.by_status',
        '--paused',
      ],
      temporalVars,
    );
    expect(create.code, create.stderr).toBe(EXIT_CODES.ok);
    expect((await cubeJobs(['schedule', 'list'], temporalVars)).stdout).toContain(id);
    const described = JSON.parse((await cubeJobs(['schedule', 'describe', id, '--json'], temporalVars)).stdout) as {
      paused: boolean;
      overlap: string;
      selector: { preAggregations: string[] };
    };
    expect(described).toMatchObject({
      paused: true,
      overlap: 'SKIP',
      selector: { preAggregations: ['orders.by_status'] },
    });
    expect((await cubeJobs(['schedule', 'unpause', id], temporalVars)).code).toBe(EXIT_CODES.ok);
    expect((await cubeJobs(['schedule', 'describe', id], temporalVars)).stdout).toContain(
      `${id}: active, overlap SKIP`,
    );
    expect((await cubeJobs(['schedule', 'pause', id, '--note', 'quiet'], temporalVars)).code).toBe(EXIT_CODES.ok);
    expect((await cubeJobs(['schedule', 'delete', id], temporalVars)).code).toBe(EXIT_CODES.ok);
    const gone = await cubeJobs(['schedule', 'describe', id], temporalVars);
    expect(gone.code).toBe(EXIT_CODES.usage);
    expect(gone.stderr).toContain(`no schedule "${id}"`);
  });

  test('a bad spec is exit 2 and names the field', async () => {
    const run = await cubeJobs(['schedule', 'create', `bad-${randomUUID()}`, '--cube', 'orders'], temporalVars);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain('spec: needs `cron` or `every`');
  });

  test('backfill builds each partition once in a bounded number of builds', async () => {
    const before = cube.jobs.length;
    const run = await cubeJobs(
      [
        'schedule',
        'backfill',
        '--pre-aggregation',
        'orders.by_month',
        '--from',
        '2024-01-01',
        '--to',
        '2024-03-31',
        '--granularity',
        'month',
        '--max-builds',
        '2',
        '--deployment',
        randomUUID(),
      ],
      temporalVars,
    );
    expect(run.code, run.stderr).toBe(EXIT_CODES.ok);
    expect(run.stdout).toContain('Backfill: 2 of 2 build(s) succeeded');
    const starts = cube.jobs.slice(before).map((job) => job.partitionStart);
    expect(starts.sort()).toEqual(['2024-01-01T00:00:00.000', '2024-02-01T00:00:00.000', '2024-03-01T00:00:00.000']);
  });
});

describe('doctor', () => {
  test('all good with --post: every check passes, exit 0', async () => {
    const run = await cubeJobs(['doctor', '--pre-aggregation', 'orders.by_status', '--post'], cubeVars);
    expect(run.code, run.stdout).toBe(EXIT_CODES.ok);
    for (const line of [
      '✓ Cube answers',
      '✓ base path',
      '✓ credentials',
      '✓ jobs scope',
      '✓ data scope (verify): granted',
      '✓ cubes exist',
      '✓ selector matches: 1 job(s) started',
    ]) {
      expect(run.stdout).toContain(line);
    }
  });

  test('without --post it says the match needs a build', async () => {
    const run = await cubeJobs(['doctor', '--cube', 'orders'], cubeVars);
    expect(run.code).toBe(EXIT_CODES.ok);
    expect(run.stdout).toContain(
      '- selector matches: Cube tells which pre-aggregations a selector matches only by building them',
    );
  });

  test.each([
    [
      'wrong base path',
      () => ({ CUBE_API_URL: cube.url.replace(/\/cubejs-api$/, '/api'), CUBE_API_SECRET: cube.apiSecret }),
      '✗ base path',
      "must end with Cube's base path",
      EXIT_CODES.unavailable,
    ],
    [
      'bad secret',
      () => ({ CUBE_API_URL: cube.url, CUBE_API_SECRET: 'wrong-secret-wrong-secret' }),
      '✗ credentials',
      'CUBE_API_SECRET must be',
      EXIT_CODES.unavailable,
    ],
    [
      'unreachable',
      () => ({ CUBE_API_URL: 'http://127.0.0.1:9/cubejs-api', CUBE_API_SECRET: cube.apiSecret }),
      '✗ Cube answers',
      'check CUBE_API_URL',
      EXIT_CODES.unavailable,
    ],
  ])('%s: what it saw and the fix', async (_name, vars, mark, fix, code) => {
    const run = await cubeJobs(['doctor', '--cube', 'orders'], vars());
    expect(run.code).toBe(code);
    expect(run.stdout).toContain(mark);
    expect(run.stdout).toContain(fix);
    expect(run.stdout).not.toContain('wrong-secret-wrong-secret');
  });

  test('missing jobs scope: names CUBEJS_DEFAULT_API_SCOPES, exit 3', async () => {
    const token = await cube.signToken({ scopes: ['meta'] });
    const run = await cubeJobs(['doctor', '--json'], { CUBE_API_URL: cube.url, CUBE_API_TOKEN: token });
    expect(run.code).toBe(EXIT_CODES.unavailable);
    const report = JSON.parse(run.stdout) as { checks: Array<{ check: string; status: string; fix?: string }> };
    expect(report.checks.find((check) => check.check === 'jobs scope')).toMatchObject({
      status: 'failed',
      fix: expect.stringContaining('CUBEJS_DEFAULT_API_SCOPES'),
    });
    expect(run.stdout).not.toContain(token);
  });

  test('no match (with --post) and an unknown cube: exit 1', async () => {
    const noMatch = await cubeJobs(['doctor', '--pre-aggregation', 'orders.nope', '--post'], cubeVars);
    expect(noMatch.code).toBe(EXIT_CODES.failed);
    expect(noMatch.stdout).toContain(
      "✗ selector matches: 400 A user's selector doesn't match any of the pre-aggregations",
    );
    const unknownCube = await cubeJobs(['doctor', '--cube', 'invoices'], cubeVars);
    expect(unknownCube.code).toBe(EXIT_CODES.failed);
    expect(unknownCube.stdout).toContain('✗ cubes exist: no cube "invoices" in the model (it has: orders)');
  });

  test('warns about a security-context value typed as a number', async () => {
    const run = await cubeJobs(['doctor', '--cube', 'orders', '--context', '{"tenant":1}'], cubeVars);
    expect(run.code).toBe(EXIT_CODES.ok);
    expect(run.stdout).toContain('! security context types: --context #1 tenant is the number 1');
    expect(run.stdout).toContain('pass them as strings ("1", not 1)');
  });
});

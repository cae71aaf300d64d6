/**
 * `npm run test:faults`: the fault suite. Against a real Temporal dev server (with a database file, so
 * it can be restarted) and the fake Cube, it kills workers, restarts Cube and Temporal, injects
 * transient faults and Cube's known quirks, uses JWTs that expire mid-build, feeds bad input, and
 * scans everything produced for secrets. Prints a table (case, runs, completed, duplicate POSTs,
 * leaks) and exits non-zero on any lost build, duplicate POST, hang or leak.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCubeJobsClient, CubeJobsConfigError, CubeJobsError, type CubeJobsClientOptions } from '@cube-jobs/core';
import { readDemoConfig } from '@cube-jobs/demo-worker/env';
import { createCubeJobsActivities } from '@cube-jobs/temporal-activities';
import { spawnSampleCube } from '@cube-jobs/sample-cube';
import { buildPreAggregations, workflowsPath, type BuildPreAggregationsInput, type BuildPreAggregationsResult } from '@cube-jobs/temporal-workflows';
import { startDevServer, startFakeCube, type DevServer, type FakeCube, type FakeCubeOptions } from '@cube-jobs/testing';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

const TEMPORAL_API_KEY = 'tk-fault-suite-temporal-api-key-5c1d9e';
const say = (line = '') => process.stdout.write(`${line}\n`);

/** Every log line the in-process workers wrote, for the secret scan. */
const logs: string[] = [];
Runtime.install({
  logger: new DefaultLogger('INFO', (entry) => {
    logs.push(`${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {}, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))}`);
  }),
});

/** One row of the report. */
interface CaseResult {
  readonly name: string;
  readonly runs: number;
  readonly completed: number;
  readonly duplicatePosts: number;
  /** What "completed" means for the case, and other figures. */
  readonly note: string;
  /** False when the case saw something it must never see (beyond the counts). */
  readonly ok: boolean;
}

/** Everything produced, for the final secret scan. */
const produced = { errors: [] as string[], secrets: new Set<string>([TEMPORAL_API_KEY]), fakes: [] as FakeCube[] };

let server: DevServer;
let client: Client;
const dataDir = mkdtempSync(join(tmpdir(), 'cube-jobs-faults-'));
const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'], preAggregations: ['orders.by_month'] };
/**
 * Builds of a case get their own security context (as tenants would), so their tables differ: builds
 * of the very same partitions in the same second collide in Cube, which case 5 covers on its own.
 */
const selectorFor = (i: number) => ({ ...selector, contexts: [{ securityContext: { tenant: `t${i}` } }] });
const fast = { pollInterval: 100, maxPollInterval: 500, heartbeatTimeout: '2s' } as const;

async function fake(options: FakeCubeOptions = {}): Promise<FakeCube> {
  const cube = await startFakeCube({ buildDurationMs: 500, concurrency: 1000, ...options });
  produced.secrets.add(cube.apiSecret);
  produced.fakes.push(cube);
  return cube;
}

/** Where a worker's client points: the fake or the real sample Cube. */
type CubeEndpoint = Pick<FakeCube, 'url' | 'apiSecret'>;

function cubeClient(cube: CubeEndpoint, extra: Partial<CubeJobsClientOptions> = {}) {
  return createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret, maxRetries: 0, timeoutMs: 2000, ...extra });
}

async function inProcessWorker(cube: CubeEndpoint, taskQueue: string, extra: Partial<CubeJobsClientOptions> = {}) {
  const connection = await NativeConnection.connect({ address: server.address, apiKey: TEMPORAL_API_KEY, tls: false });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath, activities: createCubeJobsActivities({ client: cubeClient(cube, extra) }) });
  return { worker, connection };
}

/** POSTs that created jobs, per workflow id (from the fake's log and the x-request-id header). */
function postsPerBuild(cube: FakeCube, workflowIds: readonly string[]): number[] {
  return workflowIds.map((id) => cube.posts().filter((r) => String(r.headers['x-request-id'] ?? '').startsWith(`${id}:`)).length);
}

async function settle(handles: ReadonlyArray<{ result(): Promise<unknown> }>, timeoutMs: number) {
  const timeout = new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), timeoutMs).unref());
  return Promise.all(
    handles.map((h) =>
      Promise.race([h.result().then(() => 'ok' as const, (e: unknown) => (produced.errors.push(describeError(e)), 'failed' as const)), timeout]),
    ),
  );
}

function describeError(error: unknown): string {
  if (error instanceof WorkflowFailedError) return `${error.message}: ${error.cause?.message ?? ''} ${error.cause?.stack ?? ''}`;
  return error instanceof Error ? `${error.message} ${error.stack ?? ''}` : String(error);
}

const start = (taskQueue: string, workflowId: string, input: BuildPreAggregationsInput) =>
  client.workflow.start(buildPreAggregations, { taskQueue, workflowId, args: [input] });

function spawnWorker(cube: FakeCube, taskQueue: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./worker-process.js', import.meta.url))], {
    env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_API_KEY, TASK_QUEUE: taskQueue, CUBE_API_URL: cube.url, CUBE_API_SECRET: cube.apiSecret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('worker-ready') && resolve(child));
    child.once('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal})`)));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 1. SIGKILL the worker at 20 random moments while builds wait. */
async function workerKills(): Promise<CaseResult> {
  const cube = await fake({ buildDurationMs: 20_000 });
  const taskQueue = 'faults-kill';
  let worker = await spawnWorker(cube, taskQueue);
  const ids = Array.from({ length: 10 }, (_, i) => `kill-${i}-${Date.now()}`);
  const handles = await Promise.all(ids.map((id, i) => start(taskQueue, id, { selector: selectorFor(i), wait: fast })));
  while (cube.posts().length < ids.length) await sleep(50);
  const kills = 20;
  for (let k = 0; k < kills; k += 1) {
    await sleep(200 + Math.random() * 1000);
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    worker = await spawnWorker(cube, taskQueue);
  }
  const outcomes = await settle(handles, 120_000);
  worker.kill('SIGKILL');
  const posts = postsPerBuild(cube, ids);
  return {
    name: `worker SIGKILL at ${kills} random moments`,
    runs: ids.length,
    completed: outcomes.filter((o) => o === 'ok').length,
    duplicatePosts: posts.reduce((n, p) => n + Math.max(0, p - 1), 0),
    note: `POSTs per build: ${[...new Set(posts)].join('/')}`,
    ok: posts.every((p) => p === 1),
  };
}

/** 2. Cube restarts mid-build (memory driver: every job lost). */
async function cubeRestart(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const policy of ['retrigger', 'fail'] as const) {
    const cube = await fake({ buildDurationMs: 3000 });
    const taskQueue = `faults-restart-${policy}`;
    const { worker, connection } = await inProcessWorker(cube, taskQueue);
    const ids = Array.from({ length: policy === 'retrigger' ? 5 : 2 }, (_, i) => `restart-${policy}-${i}-${Date.now()}`);
    const outcomes = await worker.runUntil(async () => {
      const handles = await Promise.all(ids.map((id, i) => start(taskQueue, id, { selector: selectorFor(i), wait: fast, policy: { onNotFound: policy } })));
      while (cube.requests.filter((r) => r.action === 'get' && r.status === 200).length < ids.length) await sleep(50);
      await cube.restart({ downtimeMs: 300 });
      if (policy === 'fail') {
        return Promise.all(handles.map((h) => h.result().then(() => 'unexpected success', (e: unknown) => e)));
      }
      return settle(handles, 60_000);
    });
    await connection.close();
    const posts = postsPerBuild(cube, ids);
    if (policy === 'retrigger') {
      // 6 jobs per build were lost; each may be posted again once.
      const extra = posts.map((p) => p - 1);
      results.push({
        name: 'Cube restart mid-build, policy retrigger',
        runs: ids.length,
        completed: (outcomes as string[]).filter((o) => o === 'ok').length,
        duplicatePosts: extra.reduce((n, e) => n + Math.max(0, e - 6), 0),
        note: `extra POSTs per build: ${[...new Set(extra)].join('/')} for 6 lost jobs (at most 1 each)`,
        ok: extra.every((e) => e <= 6),
      });
    } else {
      const typed = (outcomes as unknown[]).filter(
        (e) => e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure && e.cause.type === 'PreAggregationBuildFailedError' && /not_found/.test(e.cause.message) && /orders_by_month2024/.test(e.cause.message),
      ).length;
      for (const e of outcomes as unknown[]) produced.errors.push(describeError(e));
      results.push({
        name: 'Cube restart mid-build, policy fail',
        runs: ids.length,
        completed: typed,
        duplicatePosts: posts.reduce((n, p) => n + Math.max(0, p - 1), 0),
        note: 'completed = typed failure naming the lost jobs',
        ok: posts.every((p) => p === 1),
      });
    }
  }
  return results;
}

/** 3. 30 % of requests meet a transient fault. */
async function transientFaults(): Promise<CaseResult> {
  const cube = await fake({
    buildDurationMs: 2000,
    seed: 7,
    faults: [
      { kind: 'http-error', status: 503, probability: 0.12 },
      { kind: 'reset', probability: 0.07 },
      { kind: 'hang', probability: 0.05 },
      { kind: 'rate-limit', retryAfterSeconds: 1, probability: 0.07 },
      { kind: 'continue-wait', action: 'post', probability: 0.3 },
      { kind: 'http-error', status: 500, action: 'post', probability: 0.1, body: { error: 'TypeError: transient' } },
    ],
  });
  const taskQueue = 'faults-transient';
  const { worker, connection } = await inProcessWorker(cube, taskQueue);
  const ids = Array.from({ length: 20 }, (_, i) => `transient-${i}-${Date.now()}`);
  const outcomes = await worker.runUntil(async () =>
    settle(await Promise.all(ids.map((id, i) => start(taskQueue, id, { selector: selectorFor(i), wait: { ...fast, deadline: '2m' } }))), 150_000),
  );
  await connection.close();
  const perBuild = ids.map((id) => cube.requests.filter((r) => String(r.headers['x-request-id'] ?? '').startsWith(`${id}:`)).length);
  const faulted = cube.requests.filter((r) => r.status === undefined || (r.status ?? 0) >= 429 || (r.action === 'post' && r.issuedTokens === undefined)).length;
  return {
    name: '30 % transient faults (5xx, resets, hangs, 429, Continue wait)',
    runs: ids.length,
    completed: outcomes.filter((o) => o === 'ok').length,
    duplicatePosts: postsPerBuild(cube, ids).reduce((n, p) => n + Math.max(0, p - 1), 0),
    note: `${((faulted / cube.requests.length) * 100).toFixed(0)} % of ${cube.requests.length} requests faulted; at most ${Math.max(...perBuild)} requests for one build`,
    ok: true,
  };
}

/** 4. The Temporal server restarts (same database file) mid-build. */
async function temporalRestart(): Promise<CaseResult> {
  const cube = await fake({ buildDurationMs: 8000 });
  const taskQueue = 'faults-temporal-restart';
  const { worker, connection } = await inProcessWorker(cube, taskQueue);
  const ids = Array.from({ length: 3 }, (_, i) => `temporal-restart-${i}-${Date.now()}`);
  const running = worker.run();
  await Promise.all(ids.map((id, i) => start(taskQueue, id, { selector: selectorFor(i), wait: fast })));
  while (cube.posts().length < ids.length) await sleep(50);
  await sleep(500);
  await restartServer();
  const outcomes = await settle(
    ids.map((id) => client.workflow.getHandle(id)),
    90_000,
  );
  worker.shutdown();
  await running;
  await connection.close();
  return {
    name: 'Temporal dev server restarted mid-build',
    runs: ids.length,
    completed: outcomes.filter((o) => o === 'ok').length,
    duplicatePosts: postsPerBuild(cube, ids).reduce((n, p) => n + Math.max(0, p - 1), 0),
    note: 'same port and database file',
    ok: true,
  };
}

async function restartServer(): Promise<void> {
  const { port, uiPort } = server;
  await server.stop();
  await sleep(1000);
  server = await startDevServer({ port, uiPort, dbFilename: join(dataDir, 'temporal.db') });
}

/** 5. Cube's quirks seen live: the first post's schema-creation race, and same-second rebuilds. */
async function cubeQuirks(): Promise<CaseResult> {
  const cube = await fake({
    sameSecondRebuildFails: true,
    buildDurationMs: 100,
    faults: [{ kind: 'http-error', status: 400, action: 'post', times: 1, body: { error: 'error: duplicate key value violates unique constraint "pg_namespace_nspname_index"' } }],
  });
  const taskQueue = 'faults-quirks';
  const { worker, connection } = await inProcessWorker(cube, taskQueue);
  const race = `quirk-race-${Date.now()}`;
  // Then two builds of the very same partitions: the second posted once the first one's tables exist,
  // within the same second. Cube names a table after that second, so the second build collides.
  const pair = [`quirk-a-${Date.now()}`, `quirk-b-${Date.now()}`];
  const outcomes = await worker.runUntil(async () => {
    const first = await settle([await start(taskQueue, race, { selector: selectorFor(0), wait: fast })], 60_000);
    await sleep(1000 - (Date.now() % 1000)); // start the pair right after a second boundary
    const a = await start(taskQueue, pair[0] as string, { selector, wait: fast });
    const posted = cube.posts().length;
    while (cube.posts().length === posted) await sleep(5);
    await sleep(150); // the fake builds each partition in 100 ms
    const b = await start(taskQueue, pair[1] as string, { selector, wait: fast });
    return [...first, ...(await settle([a, b], 60_000))];
  });
  await connection.close();
  const collided = cube.jobs.filter((j) => /already exists/.test(cube.statusOf(j.token))).length;
  const ids = [race, ...pair];
  const posts = postsPerBuild(cube, ids);
  // Each collided job of a build is posted again once (narrowed to its partition), by design.
  const collidedPerBuild = ids.map((id) =>
    cube
      .posts()
      .filter((r) => String(r.headers['x-request-id'] ?? '').startsWith(`${id}:`))
      .flatMap((r) => r.issuedTokens ?? [])
      .filter((token) => /already exists/.test(cube.statusOf(token))).length,
  );
  return {
    name: 'Cube quirks: schema-creation race, same-second rebuild',
    runs: ids.length,
    completed: outcomes.filter((o) => o === 'ok').length,
    duplicatePosts: posts.reduce((n, p, i) => n + Math.max(0, p - 1 - (collidedPerBuild[i] ?? 0)), 0),
    note: `schema race retried; ${collided} collided job(s) rebuilt a second later; POSTs per build ${posts.join('/')}`,
    ok: (posts[0] ?? 0) === 1,
  };
}

/**
 * 5b. The same quirks on the real sample Cube (Cube 1.7.43, DuckDB): a fresh database (no
 * pre-aggregation schema yet), then two builds of the very same partitions posted within one second.
 * Completed = the build succeeded; a POST beyond the first is only ever the rebuild of a job Cube
 * reported as collided (`already exists`).
 */
async function realCubeQuirks(): Promise<CaseResult> {
  const cubeDir = mkdtempSync(join(tmpdir(), 'cube-jobs-faults-cube-'));
  const cubeLog: string[] = [];
  const cube = await spawnSampleCube({ dataDir: cubeDir, onLog: (line) => cubeLog.push(line) });
  produced.secrets.add(cube.apiSecret);
  const taskQueue = 'faults-real-cube';
  const { worker, connection } = await inProcessWorker(cube, taskQueue, { timeoutMs: 30_000 });
  const ids = [`real-a-${Date.now()}`, `real-b-${Date.now()}`];
  try {
    const results = await worker.runUntil(async () => {
      await sleep(1000 - (Date.now() % 1000)); // both posts right after a second boundary
      const handles = await Promise.all(ids.map((id) => start(taskQueue, id, { selector, wait: fast })));
      const outcomes = await settle(handles, 180_000);
      return Promise.all(handles.map(async (h, i) => (outcomes[i] === 'ok' ? ((await h.result()) as BuildPreAggregationsResult) : undefined)));
    });
    const done = results.filter((r): r is BuildPreAggregationsResult => r?.outcome === 'succeeded' && r.jobs.every((j) => j.state === 'done'));
    const rebuilt = done.reduce((n, r) => n + r.retriggeredJobs, 0);
    const collisions = cubeLog.filter((line) => /already exists/.test(line)).length;
    // Planned in one second, Cube merges the second build into the first: both report the same tables.
    const [tablesA, tablesB] = done.map((r) => new Set(r.jobs.map((j) => j.table)));
    const shared = [...(tablesA ?? [])].filter((table) => tablesB?.has(table)).length;
    return {
      name: 'real sample Cube: fresh database, same-second builds',
      runs: ids.length,
      completed: done.length,
      // Each extra POST narrows to one collided job; more POSTs than rebuilt jobs would be duplicates.
      duplicatePosts: done.reduce((n, r) => n + Math.max(0, r.triggers - 1 - r.retriggeredJobs), 0),
      note: `Cube ${cube.mode} mode; ${shared} table(s) shared (merged builds), ${rebuilt} job(s) rebuilt, ${collisions} "already exists" in Cube's log; POSTs per build ${done.map((r) => r.triggers).join('/')}`,
      ok: true,
    };
  } finally {
    await connection.close();
    await cube.stop();
    rmSync(cubeDir, { recursive: true, force: true });
  }
}

/** 6. JWTs that expire long before the build ends are minted again. */
async function shortLivedJwt(): Promise<CaseResult> {
  const cube = await fake({ buildDurationMs: 8000 });
  const taskQueue = 'faults-jwt';
  const { worker, connection } = await inProcessWorker(cube, taskQueue, { tokenTtlMs: 2000 });
  const id = `jwt-${Date.now()}`;
  const [outcome] = await worker.runUntil(async () => settle([await start(taskQueue, id, { selector, wait: fast })], 60_000));
  await connection.close();
  const forbidden = cube.requests.filter((r) => r.status === 403).length;
  const jwts = new Set(cube.requests.map((r) => r.headers.authorization)).size;
  return {
    name: 'JWT lifetime 2 s, build 8 s',
    runs: 1,
    completed: outcome === 'ok' ? 1 : 0,
    duplicatePosts: 0,
    note: `${jwts} JWTs minted, ${forbidden} answered 403`,
    ok: forbidden === 0 && jwts >= 3,
  };
}

/** 7. Bad input: typed errors naming the field, no request for locally invalid input, the worker survives. */
async function badInput(): Promise<CaseResult> {
  const cube = await fake();
  const taskQueue = 'faults-bad-input';
  const { worker, connection } = await inProcessWorker(cube, taskQueue);
  const checks: Array<{ name: string; pass: boolean }> = [];
  const ctx = { contexts: [{ securityContext: {} }], timezones: ['UTC'] };
  const workflowInputs: Array<[string, unknown, string]> = [
    ['selector missing', {}, 'input.selector'],
    ['contexts empty', { selector: { ...ctx, contexts: [] } }, 'input.selector.contexts'],
    ['context not an object', { selector: { ...ctx, contexts: ['tenant'] } }, 'input.selector.contexts[0]'],
    ['timezones missing', { selector: { contexts: ctx.contexts } }, 'input.selector.timezones'],
    ['fixed-offset time zone', { selector: { ...ctx, timezones: ['+05:00'] } }, 'input.selector.timezones[0]'],
    ['unknown selector key', { selector: { ...ctx, datasources: ['default'] } }, 'input.selector.datasources'],
    ['cubes not an array', { selector: { ...ctx, cubes: 'orders' } }, 'input.selector.cubes'],
    ['pre-aggregation id without a dot', { selector: { ...ctx, preAggregations: ['by_month'] } }, 'input.selector.preAggregations[0]'],
    ['unparseable dateRange', { selector: { ...ctx, dateRange: ['soon', '2024-01-01'] } }, 'input.selector.dateRange[0]'],
    ['reversed dateRange', { selector: { ...ctx, dateRange: ['2024-02-01', '2024-01-01'] } }, 'input.selector.dateRange'],
    ['one-element dateRange', { selector: { ...ctx, dateRange: ['2024-02-01'] } }, 'input.selector.dateRange'],
    ['negative poll interval', { selector: ctx, wait: { pollInterval: -5 } }, 'input.wait.pollInterval'],
    ['zero deadline', { selector: ctx, wait: { deadline: 0 } }, 'input.wait.deadline'],
    ['unknown wait mode', { selector: ctx, wait: { mode: 'eventually' } }, 'input.wait.mode'],
    ['unknown policy value', { selector: ctx, policy: { onNotFound: 'ignore' } }, 'input.policy.onNotFound'],
    ['negative retrigger budget', { selector: ctx, policy: { maxRetriggers: -1 } }, 'input.policy.maxRetriggers'],
    ['unknown input key', { selector: ctx, retries: 3 }, 'input.retries'],
  ];
  await worker.runUntil(async () => {
    for (const [name, input, path] of workflowInputs) {
      const error = await client.workflow
        .execute(buildPreAggregations, { taskQueue, workflowId: `bad-${name.replace(/\W+/g, '-')}-${Date.now()}`, args: [input as BuildPreAggregationsInput] })
        .then(() => undefined, (e: unknown) => e);
      produced.errors.push(describeError(error));
      const failure = error instanceof WorkflowFailedError ? error.cause : undefined;
      checks.push({ name: `workflow input: ${name}`, pass: failure instanceof ApplicationFailure && failure.type === 'CubeJobsValidationError' && failure.message.includes(path) });
    }
    // Errors only Cube can see: they too end typed, and the worker keeps running.
    const remote: Array<[string, CubeJobsClientOptions, string]> = [
      ['unreachable Cube', { apiUrl: 'http://127.0.0.1:9/cubejs-api', token: 'token-unreachable', maxRetries: 0 }, 'CubeJobsConnectionError'],
      ['wrong secret', { apiUrl: cube.url, apiSecret: 'not-the-secret-at-all', maxRetries: 0 }, 'CubeJobsAuthError'],
      ['missing jobs scope', { apiUrl: cube.url, apiSecret: cube.apiSecret, securityContext: { scopes: ['meta'] }, maxRetries: 0 }, 'CubeJobsMissingScopeError'],
      ['unknown pre-aggregation', { apiUrl: cube.url, apiSecret: cube.apiSecret, maxRetries: 0 }, 'CubeJobsBadRequestError'],
    ];
    for (const [name, options, type] of remote) {
      const error = await createCubeJobsClient(options)
        .triggerBuild(name === 'unknown pre-aggregation' ? { ...ctx, preAggregations: ['orders.nope'] } : ctx)
        .then(() => undefined, (e: unknown) => e);
      produced.errors.push(describeError(error));
      checks.push({ name: `Cube: ${name}`, pass: error instanceof CubeJobsError && error.name === type });
    }
    const after = await client.workflow.execute(buildPreAggregations, { taskQueue, workflowId: `bad-then-good-${Date.now()}`, args: [{ selector, wait: fast }] });
    checks.push({ name: 'the worker still builds after all of the above', pass: after.outcome === 'succeeded' });
  });
  await connection.close();
  const requestsBeforeRemote = cube.requests.filter((r) => !String(r.headers['x-request-id'] ?? '').startsWith('bad-then-good')).length;
  const clientOptions: Array<[string, unknown, string]> = [
    ['apiUrl missing', { token: 'x-token-1' }, 'options.apiUrl'],
    ['apiUrl not http', { apiUrl: 'ftp://cube', token: 'x-token-1' }, 'options.apiUrl'],
    ['neither token nor secret', { apiUrl: cube.url }, 'options.token'],
    ['token and secret', { apiUrl: cube.url, token: 'x-token-1', apiSecret: 'y-secret-1' }, 'options.token'],
    ['negative timeout', { apiUrl: cube.url, token: 'x-token-1', timeoutMs: -1 }, 'options.timeoutMs'],
    ['zero timeout', { apiUrl: cube.url, token: 'x-token-1', timeoutMs: 0 }, 'options.timeoutMs'],
    ['fractional retries', { apiUrl: cube.url, token: 'x-token-1', maxRetries: 0.5 }, 'options.maxRetries'],
    ['unknown option', { apiUrl: cube.url, token: 'x-token-1', retries: 2 }, 'options.retries'],
  ];
  for (const [name, options, path] of clientOptions) {
    let error: unknown;
    try {
      createCubeJobsClient(options as CubeJobsClientOptions);
    } catch (e) {
      error = e;
    }
    checks.push({ name: `client options: ${name}`, pass: error instanceof CubeJobsConfigError && error.issues.some((i) => i.path === path) });
  }
  const envs: Array<[string, NodeJS.ProcessEnv, string]> = [
    ['TEMPORAL_ADDRESS with a scheme', { TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'TEMPORAL_ADDRESS'],
    ['CUBE_API_URL not a URL', { CUBE_API_URL: 'cube:4000' }, 'CUBE_API_URL'],
    ['CUBE_API_URL without credentials', { CUBE_API_URL: 'http://cube:4000' }, 'CUBE_API_SECRET'],
    ['short CUBE_API_SECRET', { CUBE_API_URL: 'http://cube:4000', CUBE_API_SECRET: 'short' }, 'CUBE_API_SECRET'],
    ['task queue with spaces', { TEMPORAL_TASK_QUEUE: 'a b' }, 'TEMPORAL_TASK_QUEUE'],
  ];
  for (const [name, env, variable] of envs) {
    let error: unknown;
    try {
      readDemoConfig(env);
    } catch (e) {
      error = e;
    }
    checks.push({ name: `env: ${name}`, pass: error instanceof Error && error.name === 'DemoConfigError' && error.message.includes(variable) });
  }
  // Locally invalid input never reached Cube: the only requests are the four remote cases' (at most 3 reach the fake).
  checks.push({ name: 'no request for locally invalid input', pass: requestsBeforeRemote <= 3 });
  const failed = checks.filter((c) => !c.pass);
  for (const c of failed) say(`    bad input check failed: ${c.name}`);
  return {
    name: 'bad input (workflow input, client options, env, Cube-side)',
    runs: checks.length,
    completed: checks.length - failed.length,
    duplicatePosts: 0,
    note: 'completed = typed error naming the field or cause',
    ok: failed.length === 0,
  };
}

/** 8. The API secrets, every JWT the fakes saw and the Temporal API key appear nowhere. */
async function secretScan(): Promise<{ leaks: number; scanned: string }> {
  const histories: string[] = [];
  for await (const execution of client.workflow.list()) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    histories.push(JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
  }
  for (const cube of produced.fakes) for (const r of cube.requests) if (typeof r.headers.authorization === 'string') produced.secrets.add(r.headers.authorization.replace(/^Bearer /, ''));
  const haystack = [...histories, ...logs, ...produced.errors].join('\n');
  let leaks = 0;
  for (const secret of produced.secrets) if (secret.length >= 8 && haystack.includes(secret)) leaks += 1;
  return { leaks, scanned: `${histories.length} histories, ${logs.length} log lines, ${produced.errors.length} errors; ${produced.secrets.size} secrets and JWTs` };
}

/** The cases in running order; `--only=<key>,<key>` runs some of them (and the secret scan). */
const cases: ReadonlyArray<readonly [string, () => Promise<CaseResult | CaseResult[]>]> = [
  ['kill', workerKills],
  ['cube-restart', cubeRestart],
  ['transient', transientFaults],
  ['temporal-restart', temporalRestart],
  ['quirks', cubeQuirks],
  ['real-cube', realCubeQuirks],
  ['jwt', shortLivedJwt],
  ['bad-input', badInput],
];
const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');

async function main(): Promise<void> {
  const started = Date.now();
  server = await startDevServer({ dbFilename: join(dataDir, 'temporal.db') });
  const connect = async () => {
    const connection = await Connection.connect({ address: server.address, apiKey: TEMPORAL_API_KEY, tls: false });
    client = new Client({ connection });
    return connection;
  };
  let connection = await connect();
  const results: CaseResult[] = [];
  try {
    say('cube-jobs fault suite: real Temporal dev server, fake Cube over loopback');
    for (const [key, run] of cases) {
      if (only && !only.includes(key)) continue;
      const errorsBefore = produced.errors.length;
      const outcome = [await run()].flat();
      results.push(...outcome);
      // A failed case shows the workflow errors it produced (already free of secrets, as the scan checks).
      if (outcome.some((r) => !r.ok || r.completed !== r.runs)) {
        for (const error of produced.errors.slice(errorsBefore)) say(`    ${key}: ${error.split('\n')[0]}`);
      }
      if (key === 'temporal-restart') {
        await connection.close();
        connection = await connect();
      }
    }
    const scan = await secretScan();
    results.push({ name: `secret scan (${scan.scanned})`, runs: 1, completed: 1, duplicatePosts: 0, note: `${scan.leaks} leak(s)`, ok: scan.leaks === 0 });
  } finally {
    await connection.close();
    for (const cube of produced.fakes) await cube.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  say();
  say('case                                                              runs  completed  duplicate POSTs  leaks  result');
  let failures = 0;
  for (const r of results) {
    const leak = r.name.startsWith('secret scan') ? (r.ok ? 0 : 1) : 0;
    const good = r.ok && r.completed === r.runs && r.duplicatePosts === 0;
    if (!good) failures += 1;
    say(`${r.name.slice(0, 64).padEnd(64)}  ${String(r.runs).padStart(4)}  ${String(r.completed).padStart(9)}  ${String(r.duplicatePosts).padStart(15)}  ${String(leak).padStart(5)}  ${good ? 'ok' : 'FAILED'}   ${r.note}`);
  }
  say();
  say(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  say(`${results.length - failures} passed, ${failures} failed`);
  process.exit(failures === 0 ? 0 : 1);
}

await main();

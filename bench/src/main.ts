/**
 * `npm run bench [-- --quick]`: measures our heartbeat and timer modes beside the naive polling loop
 * (fixed 10 s sleep, every token re-polled) on a real Temporal dev server and the fake Cube, in one run.
 * Time is scaled down by a factor (stated in the output): a "30-minute" build lasts 30 min / scale, and
 * every poll interval is scaled by the same factor, so request counts are unchanged and latencies are
 * reported in build time (measured × scale). Prints one table, writes bench/results/latest.json.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCubeJobsClient, type FetchLike } from '@cube-jobs/core';
import { createCubeJobsActivities } from '@cube-jobs/temporal-activities';
import { createLocalTestEnvironment, startFakeCube, type FakeCube } from '@cube-jobs/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import protos, { type temporal as protoTypes } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { buildPreAggregations, naivePollingBuild } from './workflows.js';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = flags.quick;
/**
 * Real time = build time / SCALE. Not higher: the dev server fires timers with about one second of
 * granularity, so the baseline's 10 s sleep must stay well above a second once scaled.
 */
const SCALE = 5;
const LATENCY_BUILDS = 20;
const CONCURRENT_BUILDS = 1000;
const BIG_BUILD_TOKENS = 5000;

type Mode = 'heartbeat' | 'timer' | 'baseline';
const MODES: Mode[] = ['heartbeat', 'timer', 'baseline'];

/** Fake Cube queue size: every build runs at once, so concurrent builds do not slow each other down. */
const UNLIMITED = 100_000;

const say = (line = '') => process.stdout.write(`${line}\n`);
const scaled = (buildMs: number) => Math.max(1, Math.round(buildMs / SCALE));
const workflowsPath = fileURLToPath(new URL('./workflows.js', import.meta.url));
let bundle: WorkflowBundleWithSourceMap;

Runtime.install({ logger: new DefaultLogger('ERROR') });

/** A model with one pre-aggregation of `partitions` daily partitions that all build in parallel for `durationMs`. */
function model(partitions: number, durationMs: number) {
  const end = new Date(Date.UTC(2020, 0, 1) + (partitions - 1) * 86_400_000).toISOString().slice(0, 10);
  return {
    cubes: [{ name: 'bench', preAggregations: [{ name: 'daily', partitionGranularity: 'day' as const, buildRange: ['2020-01-01', end] as [string, string], buildDurationMs: durationMs }] }],
  };
}

// The fakes skip Cube's same-second table-name collision: concurrent builds of the same partitions by
// different modes would otherwise fail each other, and the benchmark measures cost, not that quirk.
const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'], preAggregations: ['bench.daily'] };

/** Starts a build in one of the three modes; poll intervals are the production defaults, scaled. */
function startBuild(env: TestWorkflowEnvironment, taskQueue: string, mode: Mode, workflowId: string): Promise<WorkflowHandle> {
  if (mode === 'baseline') {
    return env.client.workflow.start(naivePollingBuild, { taskQueue, workflowId, args: [{ selector, sleepMs: scaled(10_000) }] });
  }
  return env.client.workflow.start(buildPreAggregations, {
    taskQueue,
    workflowId,
    args: [{ selector, wait: { mode, pollInterval: scaled(1000), maxPollInterval: scaled(30_000), heartbeatTimeout: '30s' } }],
  });
}

/** Facts about one finished build. */
interface BuildFacts {
  events: number;
  historyBytes: number;
  requests: number;
  tokensPolled: number;
  latencyBuildMs: number;
  /** How long the build's jobs took (build time), for the latency bound max(1 s, 5 %). */
  buildDurationMs: number;
  runs: number;
  actions: number;
  /** Highest activity attempt seen in request ids (above 1: an activity was retried). */
  maxAttempt: number;
}

/** The history's size as Temporal stores it (protobuf-encoded events). */
function historyBytes(events: Awaited<ReturnType<typeof historyOf>>['events']): number {
  return protos.temporal.api.history.v1.History.encode({ events }).finish().length;
}

async function historyOf(env: TestWorkflowEnvironment, workflowId: string) {
  const events: protoTypes.api.history.v1.IHistoryEvent[] = [];
  let runId: string | undefined;
  let runs = 0;
  for (;;) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs += 1;
    const list = history.events ?? [];
    events.push(...list);
    const next = list.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) break;
    runId = next;
  }
  return { events, runs };
}

/** Temporal Cloud billable actions, estimated from history: starts, activities, timers, local-activity markers, plus heartbeats. */
function estimateActions(events: Awaited<ReturnType<typeof historyOf>>['events'], waitMs: number, mode: Mode): number {
  let actions = 0;
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes || e.activityTaskScheduledEventAttributes || e.timerStartedEventAttributes || e.markerRecordedEventAttributes) actions += 1;
  }
  // A heartbeat that reaches the server is an action; the worker throttles them to 0.8 × heartbeatTimeout (30 s).
  if (mode === 'heartbeat') actions += Math.floor(waitMs / 24_000);
  return actions;
}

async function factsOf(env: TestWorkflowEnvironment, cube: FakeCube, workflowId: string, mode: Mode, closeMs: number): Promise<BuildFacts> {
  const { events, runs } = await historyOf(env, workflowId);
  const mine = cube.requests.filter((r) => String(r.headers['x-request-id'] ?? '').startsWith(`${workflowId}:`));
  const gets = mine.filter((r) => r.action === 'get');
  const postTokens = mine.find((r) => r.issuedTokens)?.issuedTokens ?? [];
  const lastDone = Math.max(...cube.jobs.filter((j) => postTokens.includes(j.token)).map((j) => j.finishesAtMs));
  const startedMs = Number(events[0]?.eventTime?.seconds ?? 0) * 1000;
  return {
    events: events.length,
    historyBytes: historyBytes(events),
    requests: mine.length,
    tokensPolled: gets.reduce((n, r) => n + ((r.body as { tokens?: unknown[] }).tokens?.length ?? 0), 0),
    latencyBuildMs: (closeMs - lastDone) * SCALE,
    buildDurationMs: (lastDone - Math.min(...mine.filter((r) => r.issuedTokens).map((r) => r.atMs))) * SCALE,
    runs,
    actions: estimateActions(events, (closeMs - startedMs) * SCALE, mode),
    maxAttempt: Math.max(...mine.map((r) => Number(/:(\d+)-span-\d+$/.exec(String(r.headers['x-request-id']))?.[1] ?? 1))),
  };
}

async function runAndMeasure(env: TestWorkflowEnvironment, cube: FakeCube, taskQueue: string, mode: Mode, id: string): Promise<BuildFacts> {
  const handle = await startBuild(env, taskQueue, mode, id);
  await handle.result();
  const closeMs = (await handle.describe()).closeTime?.getTime() ?? Date.now();
  return factsOf(env, cube, id, mode, closeMs);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const fmtMs = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const fmtBytes = (b: number) => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

let phaseStarted = Date.now();
function phase(name: string): void {
  process.stderr.write(`  (${name}: ${fmtMs(Date.now() - phaseStarted)})\n`);
  phaseStarted = Date.now();
}

async function main(): Promise<void> {
  const started = Date.now();
  say(`cube-jobs benchmark (${quick ? 'quick' : 'full'} mode): time scaled down ${SCALE}× (a 30-minute build lasts ${fmtMs(1_800_000 / SCALE)} here);`);
  say('latencies are reported in build time (measured × scale); real Temporal dev server, fake Cube over loopback.');
  const env = await createLocalTestEnvironment();
  bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  const results: Record<string, unknown> = { scale: SCALE, quick, machine: machineInfo(), startedAt: new Date().toISOString() };
  try {
    // 1–3: history, Cube load and detection latency per build duration and mode.
    // The 30-minute build takes 6 real minutes, so quick mode leaves it out.
    // Every build here posts the same selector: the fakes neither collide nor merge concurrent builds
    // (Cube would), so each build is measured on its own.
    const durations = quick ? [10_000, 120_000] : [10_000, 120_000, 1_800_000];
    const perBuild: Record<string, Record<Mode, BuildFacts>> = {};
    await Promise.all(
      durations.map(async (duration) => {
        const cube = await startFakeCube({ sameSecondRebuildFails: false, dedupInFlightBuilds: false, model: model(12, scaled(duration)), concurrency: UNLIMITED, buildDurationMs: scaled(duration) });
        const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret, maxRetries: 0 });
        const taskQueue = `bench-${duration}`;
        const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: createCubeJobsActivities({ client }) });
        const facts = await worker.runUntil(
          Promise.all(MODES.map((mode) => runAndMeasure(env, cube, taskQueue, mode, `${mode}-${duration}-${Date.now()}`))),
        );
        perBuild[fmtMs(duration)] = Object.fromEntries(MODES.map((mode, i) => [mode, facts[i]])) as Record<Mode, BuildFacts>;
        await cube.stop();
      }),
    );
    results.perBuild = perBuild;
    phase('per-build figures');

    // 3: detection latency over LATENCY_BUILDS builds of random length (1–3 min build time) per mode.
    const latency: Record<Mode, { p50: number; p95: number; withinBound: number }> = {} as never;
    {
      const cube = await startFakeCube({
        sameSecondRebuildFails: false,
        dedupInFlightBuilds: false,
        model: model(4, scaled(120_000)),
        concurrency: UNLIMITED,
        buildDurationMs: scaled(120_000),
      });
      cube.setModel({
        cubes: [
          {
            name: 'bench',
            preAggregations: [
              { name: 'daily', partitionGranularity: 'day', buildRange: ['2020-01-01', '2020-01-04'], buildDurationMs: () => scaled(60_000 + Math.random() * 120_000) },
            ],
          },
        ],
      });
      const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret, maxRetries: 0 });
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'bench-latency', workflowBundle: bundle, activities: createCubeJobsActivities({ client }) });
      const all = await worker.runUntil(
        Promise.all(
          MODES.flatMap((mode) =>
            Array.from({ length: LATENCY_BUILDS }, (_, i) => runAndMeasure(env, cube, 'bench-latency', mode, `lat-${mode}-${i}-${Date.now()}`).then((f) => ({ mode, f }))),
          ),
        ),
      );
      for (const mode of MODES) {
        const builds = all.filter((r) => r.mode === mode).map((r) => r.f);
        const values = builds.map((f) => f.latencyBuildMs);
        // Share of builds noticed within max(1 s, 5 % of their own duration).
        const within = builds.filter((f) => f.latencyBuildMs <= Math.max(1000, 0.05 * f.buildDurationMs)).length / builds.length;
        latency[mode] = { p50: percentile(values, 50), p95: percentile(values, 95), withinBound: within };
      }
      await cube.stop();
    }
    results.latency = latency;
    phase('detection latency');

    // 4a: CONCURRENT_BUILDS concurrent heartbeat-mode builds on one worker process.
    results.scale = await concurrentBuilds(env);
    phase('concurrent builds');
    // 4b: one build with BIG_BUILD_TOKENS tokens, heartbeat and timer mode.
    results.bigBuild = await bigBuild(env);
    phase('big build');
    // 5: validating and parsing a 10,000-status get answer.
    results.parse = await parseBenchmark();
  } finally {
    await env.teardown();
  }
  results.durationMs = Date.now() - started;
  report(results);
  writeFileSync(new URL('../results/latest.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  say(`\nWrote bench/results/latest.json (${fmtMs(Date.now() - started)} in all).`);
}

async function concurrentBuilds(env: TestWorkflowEnvironment) {
  const buildMs = quick ? 30_000 : 600_000; // build time of each of the concurrent builds
  const cube = await startFakeCube({ sameSecondRebuildFails: false, dedupInFlightBuilds: false, model: model(1, scaled(buildMs)), concurrency: UNLIMITED, buildDurationMs: scaled(buildMs) });
  const taskQueue = 'bench-scale';
  const bundlePath = join(mkdtempSync(join(tmpdir(), 'cube-jobs-bench-')), 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  // A worker sized for the job: a bounded V8 heap makes the garbage of a thousand pollers get collected early.
  const child = spawn(process.execPath, ['--max-old-space-size=192', fileURLToPath(new URL('./worker-process.js', import.meta.url))], {
    env: { ...process.env, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, CUBE_API_URL: cube.url, CUBE_API_SECRET: cube.apiSecret, MAX_ACTIVITIES: String(CONCURRENT_BUILDS), MAX_CACHED_WORKFLOWS: '100', WORKFLOW_BUNDLE: bundlePath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('worker-ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  const cpuBefore = cpuSeconds(child.pid as number);
  const t0 = Date.now();
  const handles = await Promise.all(
    Array.from({ length: CONCURRENT_BUILDS }, (_, i) =>
      env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId: `scale-${i}-${t0}`,
        args: [{ selector, wait: { pollInterval: scaled(1000), maxPollInterval: scaled(30_000), heartbeatTimeout: '60s' } }],
      }),
    ),
  );
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, procMemoryBytes(child.pid as number, 'VmRSS'))), 200);
  const outcomes = await Promise.allSettled(handles.map((h) => h.result()));
  clearInterval(sampler);
  const wallMs = Date.now() - t0;
  const hwm = procMemoryBytes(child.pid as number, 'VmHWM');
  const cpu = cpuSeconds(child.pid as number) - cpuBefore;
  child.kill('SIGTERM');
  await cube.stop();
  rmSync(dirname(bundlePath), { recursive: true, force: true });
  return {
    builds: CONCURRENT_BUILDS,
    succeeded: outcomes.filter((o) => o.status === 'fulfilled').length,
    buildRealMs: scaled(buildMs),
    wallMs,
    peakRssBytes: Math.max(peakRss, hwm),
    cpuSeconds: cpu,
  };
}

async function bigBuild(env: TestWorkflowEnvironment) {
  const out: Record<string, unknown> = {};
  for (const mode of ['heartbeat', 'timer'] as const) {
    const buildMs = quick ? 10_000 : 120_000;
    const cube = await startFakeCube({ sameSecondRebuildFails: false, dedupInFlightBuilds: false, model: model(BIG_BUILD_TOKENS, scaled(buildMs)), concurrency: UNLIMITED, buildDurationMs: scaled(buildMs) });
    const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret, maxRetries: 0 });
    const taskQueue = `bench-big-${mode}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: createCubeJobsActivities({ client }) });
    const id = `big-${mode}-${Date.now()}`;
    const t0 = Date.now();
    const outcome = await worker.runUntil(
      startBuild(env, taskQueue, mode, id).then((h) => h.result().then(() => 'succeeded', (e: unknown) => `failed: ${(e as Error).message}`)),
    );
    const wallMs = Date.now() - t0;
    const { events, runs } = await historyOf(env, id);
    out[mode] = { outcome, tokens: BIG_BUILD_TOKENS, historyBytes: historyBytes(events), events: events.length, continueAsNew: runs - 1, wallMs };
    await cube.stop();
  }
  return out;
}

async function parseBenchmark() {
  const tokens = Array.from({ length: 10_000 }, (_, i) => i.toString(16).padStart(32, '0'));
  const body = JSON.stringify(
    tokens.map((token, i) => ({
      token,
      table: `prod_pre_aggregations.orders_by_day2024${String(1 + (i % 12)).padStart(2, '0')}01_abcdefgh_ijklmnop_1lgmnet`,
      status: i % 3 === 0 ? 'processing' : 'done',
      selector: { cubes: ['orders'], preAggregations: ['orders.by_day'], contexts: [{ securityContext: {} }], timezones: ['UTC'], dataSources: ['default'] },
    })),
  );
  const fetch: FetchLike = async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  const client = createCubeJobsClient({ apiUrl: 'http://cube.invalid', token: 'bench-token-123', fetch, statusBatchSize: 10_000 });
  const times: number[] = [];
  for (let i = 0; i < 15; i += 1) {
    const t0 = performance.now();
    const statuses = await client.getJobStatuses(tokens);
    times.push(performance.now() - t0);
    if (statuses.length !== 10_000) throw new Error('parse benchmark: wrong count');
  }
  return { statuses: 10_000, bodyBytes: body.length, medianMs: percentile(times.slice(3), 50), p95Ms: percentile(times.slice(3), 95) };
}

/** A memory figure of a process from /proc/<pid>/status (`VmRSS` now, `VmHWM` peak), in bytes. */
function procMemoryBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (100 Hz)
  } catch {
    return 0;
  }
}

function machineInfo() {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  return { cpu, cores: readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 0, memoryGiB: Math.round(memKb / 1024 / 1024), node: process.version };
}

function report(results: Record<string, unknown>): void {
  const perBuild = results.perBuild as Record<string, Record<Mode, BuildFacts>>;
  const latency = results.latency as Record<Mode, { p50: number; p95: number; withinBound: number }>;
  say();
  say('Per build (12 partitions):');
  say('  build    mode        events  history     requests  tokens polled  Cloud actions (est.)  detection latency');
  for (const [duration, modes] of Object.entries(perBuild)) {
    for (const mode of MODES) {
      const f = modes[mode];
      say(`  ${duration.padEnd(8)} ${mode.padEnd(10)} ${String(f.events).padStart(7)}  ${fmtBytes(f.historyBytes).padStart(10)}  ${String(f.requests).padStart(8)}  ${String(f.tokensPolled).padStart(13)}  ${String(f.actions).padStart(20)}  ${fmtMs(f.latencyBuildMs).padStart(17)}`);
    }
  }
  say();
  say(`Detection latency over ${LATENCY_BUILDS} builds of 1–3 min (build time):`);
  for (const mode of MODES) {
    say(`  ${mode.padEnd(10)} p50 ${fmtMs(latency[mode].p50).padStart(8)}   p95 ${fmtMs(latency[mode].p95).padStart(8)}   within max(1 s, 5 % of the build): ${(latency[mode].withinBound * 100).toFixed(0)} %`);
  }
  const scale = results.scale as { builds: number; succeeded: number; buildRealMs: number; wallMs: number; peakRssBytes: number; cpuSeconds: number };
  say();
  say(`Scale: ${scale.builds} concurrent heartbeat-mode builds on one worker: ${scale.succeeded} succeeded; wall ${fmtMs(scale.wallMs)} for builds of ${fmtMs(scale.buildRealMs)} (real); worker peak RSS ${fmtBytes(scale.peakRssBytes)}, CPU ${scale.cpuSeconds.toFixed(1)} s`);
  const big = results.bigBuild as Record<string, { outcome: string; historyBytes: number; events: number; continueAsNew: number; wallMs: number }>;
  for (const [mode, b] of Object.entries(big)) {
    say(`Big build: ${BIG_BUILD_TOKENS} tokens, ${mode} mode: ${b.outcome}; history ${fmtBytes(b.historyBytes)} in ${b.events} events, ${b.continueAsNew} continue-as-new, ${fmtMs(b.wallMs)}`);
  }
  const parse = results.parse as { medianMs: number; p95Ms: number; bodyBytes: number };
  say(`Core client: validate and parse a 10,000-status get answer (${fmtBytes(parse.bodyBytes)}): median ${parse.medianMs.toFixed(1)} ms, p95 ${parse.p95Ms.toFixed(1)} ms`);

  say();
  say('Goals:');
  const goal = (ok: boolean, text: string) => say(`  ${ok ? 'PASS' : 'MISS'} ${text}`);
  const heartbeatEvents = Object.values(perBuild).map((m) => m.heartbeat.events);
  goal(Math.max(...heartbeatEvents) <= 15, `history events per build ≤ 15 in heartbeat mode, whatever the duration (measured: ${heartbeatEvents.join(', ')})`);
  const long = (perBuild[fmtMs(1_800_000)] ?? perBuild[fmtMs(120_000)]) as Record<Mode, BuildFacts>;
  const longName = perBuild[fmtMs(1_800_000)] ? '30-minute' : '2-minute (30-minute runs in full mode only)';
  const ratio = long.baseline.requests / long.heartbeat.requests;
  const bound = Math.max(1000, 0.05 * (perBuild[fmtMs(1_800_000)] ? 1_800_000 : 120_000));
  goal(ratio >= 10, `${longName} build: ≥ 10× fewer Cube requests than the baseline (measured: ${ratio.toFixed(1)}×, ${long.heartbeat.requests} vs ${long.baseline.requests})`);
  goal(latency.heartbeat.withinBound >= 0.95, `detection latency p95 ≤ max(1 s, 5 % of the build's duration), heartbeat mode, 1–3 min builds (measured: ${(latency.heartbeat.withinBound * 100).toFixed(0)} % of builds within their bound; p95 ${fmtMs(latency.heartbeat.p95)})`);
  goal(long.heartbeat.latencyBuildMs <= bound, `${longName} build detected within max(1 s, 5 %) = ${fmtMs(bound)} (measured: ${fmtMs(long.heartbeat.latencyBuildMs)})`);
  goal(scale.succeeded === scale.builds && scale.peakRssBytes <= 512 * 1024 * 1024, `${scale.builds} concurrent builds, worker RSS ≤ 512 MiB (measured: ${fmtBytes(scale.peakRssBytes)})`);
  goal((big.heartbeat?.historyBytes ?? Infinity) <= 2 * 1024 * 1024, `${BIG_BUILD_TOKENS}-token build history ≤ 2 MiB (heartbeat: ${fmtBytes(big.heartbeat?.historyBytes ?? 0)}, timer: ${fmtBytes(big.timer?.historyBytes ?? 0)})`);
  goal(parse.medianMs <= 50, `10,000-status parse ≤ 50 ms (measured median: ${parse.medianMs.toFixed(1)} ms)`);
}

await main();
process.exit(0);

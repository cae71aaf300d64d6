/**
 * `npm run bench [-- --quick | --smoke]`: measures our build (`buildPreAggregations`, which waits with one long
 * heartbeating activity) beside the naive polling loop (fixed 10 s sleep, every token re-polled) on a
 * real Temporal dev server and the fake Cube, in one run.
 * Time is scaled down by a factor (stated in the output): a "30-minute" build lasts 30 min / scale, and
 * every poll interval is scaled by the same factor, so request counts are unchanged and latencies are
 * reported in build time (measured × scale). Prints one table, writes bench/results/latest.json.
 * `--smoke` (run by CI) runs every scenario small (20 builds of 5 s for the load runs) to prove the
 * benchmark still runs; its figures mean nothing and are not written. `--fleet` runs the fleet alone
 * (5,000 builds; 2,000 with `--quick`) and prints its line and goal, writing nothing.
 *
 * The scenarios are under `scenarios/`, the set-ups in `setup.ts`, the measurements in `measure.ts`.
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '@cube-jobs/testing';
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { machineInfo } from './measure.js';
import { fleetReport, formatMs, report, say } from './report.js';
import { LOAD_MODES, type BenchResults, type CostDesign, type LoadMode, type LoadRunResult } from './results.js';
import { parseBenchmark } from './scenarios/parse.js';
import { detectionLatency, LATENCY_BUILDS, perBuildFigures } from './scenarios/per-build.js';
import { bigBuild } from './scenarios/big-build.js';
import { verificationCost } from './scenarios/verification.js';
import { loadRun } from './scenarios/load.js';
import { COST_DESIGNS, costNamespace, temporalCost } from './scenarios/temporal-cost.js';
import { SCALE } from './setup.js';

/** Concurrent builds of each load run that compares the ways of reading statuses (`--builds` changes it). */
const LOAD_BUILDS = 1000;
/** Concurrent builds of the fleet run (the shared poller, the default), full and quick mode. */
const FLEET_BUILDS = { full: 5000, quick: 2000 } as const;
/**
 * How long each fleet build takes (real time): longer than its builds take to start, so that all of them
 * wait at once (5,000 took 11 to 13 minutes to start on a shared 2-core machine; with 12-minute builds at
 * most 4,714 waited at once).
 */
const FLEET_BUILD_MS = { full: 1_200_000, quick: 300_000 } as const;
/** How long (build time) the build of each design lasts whose cost to Temporal is counted. */
const COST_BUILD_MS = 3_600_000;
/** How long each of them takes (real time). */
const LOAD_BUILD_MS = 60_000;
/** The smoke run's concurrent builds and their duration. */
const SMOKE_BUILDS = 20;
const SMOKE_BUILD_MS = 5_000;
/** The smoke run's cost build (build time). */
const SMOKE_COST_BUILD_MS = 60_000;

let phaseStarted = Date.now();
/** Notes on standard error how long a phase took. */
function phase(name: string): void {
  process.stderr.write(`  (${name}: ${formatMs(Date.now() - phaseStarted)})\n`);
  phaseStarted = Date.now();
}

async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      builds: { type: 'string' },
      fleet: { type: 'boolean', default: false },
    },
  });
  const smoke = flags.smoke;
  const quick = flags.quick || smoke;
  const builds = Number(flags.builds ?? (smoke ? SMOKE_BUILDS : LOAD_BUILDS));
  const loadBuildMs = smoke ? SMOKE_BUILD_MS : LOAD_BUILD_MS;
  if (!Number.isInteger(builds) || builds < 1)
    throw new Error(`--builds must be a whole number of builds, got ${flags.builds}`);
  const started = Date.now();
  say(
    `cube-jobs benchmark (${smoke ? 'smoke' : quick ? 'quick' : 'full'} mode): time scaled down ${SCALE}× (a 30-minute build lasts ${formatMs(1_800_000 / SCALE)} here);`,
  );
  say('latencies are reported in build time (measured × scale); real Temporal dev server, fake Cube over loopback.');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // Every run that counts Temporal's work has a namespace of its own: the server's metrics are per namespace.
  const metricsPort = await freePort();
  const namespaces = [
    ...(Object.keys(COST_DESIGNS) as CostDesign[]).map(costNamespace),
    ...LOAD_MODES.map((mode) => `bench-load-${mode}`),
    'bench-fleet',
  ];
  const env = await createLocalTestEnvironment({
    server: { extraArgs: ['--metrics-port', String(metricsPort), ...namespaces.flatMap((n) => ['--namespace', n])] },
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const workflowsPath = fileURLToPath(new URL('./workflows.js', import.meta.url));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  // The load runs' worker processes load the bundle from a file, as production workers do.
  const bundleDir = mkdtempSync(join(tmpdir(), 'cube-jobs-bench-'));
  const bundlePath = join(bundleDir, 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  const startedAt = new Date().toISOString();
  /** Stops the dev server and removes the bundle's folder. */
  const cleanUp = async (): Promise<void> => {
    await env.teardown();
    rmSync(bundleDir, { recursive: true, force: true });
  };
  /** The fleet: thousands of builds waiting at once on one worker, through the shared poller. */
  const runFleet = async (): Promise<LoadRunResult> => {
    const fleetBuilds = smoke ? SMOKE_BUILDS : FLEET_BUILDS[quick ? 'quick' : 'full'];
    const fleet = await loadRun(env, bundlePath, {
      mode: 'shared',
      builds: fleetBuilds,
      buildMs: smoke ? SMOKE_BUILD_MS : FLEET_BUILD_MS[quick ? 'quick' : 'full'],
      namespace: 'bench-fleet',
      metricsUrl,
      // Each waiting build holds about 30 KiB of the main thread's heap: 5,000 need more than the 192 MiB default.
      heapMiB: 256,
    });
    phase(`${fleetBuilds} concurrent builds, shared (fleet)`);
    return fleet;
  };
  if (flags.fleet) {
    try {
      fleetReport(await runFleet());
    } finally {
      await cleanUp();
    }
    say(`\nFleet run alone: its figures are not written (${formatMs(Date.now() - started)} in all).`);
    return;
  }
  let results: Omit<BenchResults, 'durationMs'>;
  try {
    // An hour of build time (12 real minutes): counted beside the other scenarios, in namespaces of its own.
    const costing = temporalCost(env, bundle, metricsUrl, smoke ? SMOKE_COST_BUILD_MS : COST_BUILD_MS);
    // The 30-minute build takes 6 real minutes, so quick mode leaves it out.
    const durations = quick ? [10_000, 120_000] : [10_000, 120_000, 1_800_000];
    const perBuild = await perBuildFigures(env, bundle, durations);
    phase('per-build figures');
    const latency = await detectionLatency(env, bundle);
    phase('detection latency');
    // Cube's load: the same concurrent builds read through the shared poller, independently, and by the naive loop.
    const load = {} as Record<LoadMode, LoadRunResult>;
    for (const mode of LOAD_MODES) {
      const namespace = `bench-load-${mode}`;
      load[mode] = await loadRun(env, bundlePath, { mode, builds, buildMs: loadBuildMs, namespace, metricsUrl });
      phase(`${builds} concurrent builds, ${mode}`);
    }
    const fleet = await runFleet();
    const big = await bigBuild(env, bundle, quick);
    phase('big build');
    const verification = await verificationCost(env, bundle, smoke ? 10 : undefined);
    phase('verified build');
    const parse = await parseBenchmark();
    const cost = await costing;
    phase('Temporal cost per design (ran beside the others)');
    results = {
      scale: SCALE,
      quick,
      machine: machineInfo(),
      startedAt,
      perBuild,
      latency,
      load,
      fleet,
      temporalCost: cost,
      bigBuild: big,
      verification,
      parse,
    };
  } finally {
    await cleanUp();
  }
  const complete: BenchResults = { ...results, durationMs: Date.now() - started };
  report(complete, LATENCY_BUILDS);
  if (smoke) {
    say(`\nSmoke run: every scenario ran (${formatMs(Date.now() - started)} in all); its figures are not written.`);
    return;
  }
  writeFileSync(new URL('../results/latest.json', import.meta.url), `${JSON.stringify(complete, null, 2)}\n`);
  say(`\nWrote bench/results/latest.json (${formatMs(Date.now() - started)} in all).`);
}

await main();
process.exit(0);

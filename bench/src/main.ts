/**
 * `npm run bench [-- --quick | --smoke]`: measures our build (`buildPreAggregations`, which waits with one long
 * heartbeating activity) beside the naive polling loop (fixed 10 s sleep, every token re-polled) on a
 * real Temporal dev server and the fake Cube, in one run.
 * Time is scaled down by a factor (stated in the output): a "30-minute" build lasts 30 min / scale, and
 * every poll interval is scaled by the same factor, so request counts are unchanged and latencies are
 * reported in build time (measured × scale). Prints one table, writes bench/results/latest.json.
 * `--smoke` (run by CI) runs every scenario small (20 builds of 5 s for the load runs) to prove the
 * benchmark still runs; its figures mean nothing and are not written.
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
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { machineInfo } from './measure.js';
import { formatMs, report, say } from './report.js';
import { LOAD_MODES, type BenchResults, type LoadMode, type LoadRunResult } from './results.js';
import { parseBenchmark } from './scenarios/parse.js';
import { detectionLatency, LATENCY_BUILDS, perBuildFigures } from './scenarios/per-build.js';
import { bigBuild } from './scenarios/big-build.js';
import { loadRun } from './scenarios/load.js';
import { SCALE } from './setup.js';

/** Concurrent builds of each load run (`--builds` changes it). */
const LOAD_BUILDS = 1000;
/** How long each of them takes (real time). */
const LOAD_BUILD_MS = 60_000;
/** The smoke run's concurrent builds and their duration. */
const SMOKE_BUILDS = 20;
const SMOKE_BUILD_MS = 5_000;

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
  const env = await createLocalTestEnvironment();
  const workflowsPath = fileURLToPath(new URL('./workflows.js', import.meta.url));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  // The load runs' worker processes load the bundle from a file, as production workers do.
  const bundleDir = mkdtempSync(join(tmpdir(), 'cube-jobs-bench-'));
  const bundlePath = join(bundleDir, 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  const startedAt = new Date().toISOString();
  let results: Omit<BenchResults, 'durationMs'>;
  try {
    // The 30-minute build takes 6 real minutes, so quick mode leaves it out.
    const durations = quick ? [10_000, 120_000] : [10_000, 120_000, 1_800_000];
    const perBuild = await perBuildFigures(env, bundle, durations);
    phase('per-build figures');
    const latency = await detectionLatency(env, bundle);
    phase('detection latency');
    // Cube's load: the same concurrent builds read through the shared poller, independently, and by the naive loop.
    const load = {} as Record<LoadMode, LoadRunResult>;
    for (const mode of LOAD_MODES) {
      load[mode] = await loadRun(env, bundlePath, { mode, builds, buildMs: loadBuildMs });
      phase(`${builds} concurrent builds, ${mode}`);
    }
    const load5000 = quick
      ? undefined
      : await loadRun(env, bundlePath, { mode: 'shared', builds: 5000, buildMs: LOAD_BUILD_MS, heapMiB: 384 });
    if (load5000) phase('5000 concurrent builds, shared');
    const big = await bigBuild(env, bundle, quick);
    phase('big build');
    const parse = await parseBenchmark();
    results = {
      scale: SCALE,
      quick,
      machine: machineInfo(),
      startedAt,
      perBuild,
      latency,
      load,
      load5000,
      bigBuild: big,
      parse,
    };
  } finally {
    await env.teardown();
    rmSync(bundleDir, { recursive: true, force: true });
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

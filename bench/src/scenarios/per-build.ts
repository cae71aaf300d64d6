/**
 * Scenarios 1–3: history, Cube load and detection latency of one build of 12 partitions, per build
 * duration and mode, and detection latency over many builds of random length.
 *
 * @module
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { percentile, runAndMeasure } from '../measure.js';
import { MODES, type BuildFacts, type LatencyFigures, type Mode, type PerBuildResults } from '../results.js';
import { scaled, startBenchCube, startBenchWorker } from '../setup.js';
import { formatMs } from '../report.js';

/** Builds measured per mode for the latency figures. */
export const LATENCY_BUILDS = 20;

/**
 * One build per duration and mode, all at once. Every build here posts the same selector: the fakes
 * neither collide nor merge concurrent builds (Cube would), so each build is measured on its own.
 */
export async function perBuildFigures(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  durations: readonly number[],
): Promise<PerBuildResults> {
  const perBuild: PerBuildResults = {};
  await Promise.all(
    durations.map(async (duration) => {
      // Each build alone on its own fake Cube and worker: the shared poller has no one else to share with.
      const facts = await Promise.all(
        MODES.map(async (mode) => {
          const cube = await startBenchCube(12, scaled(duration));
          const taskQueue = `bench-${mode}-${duration}`;
          const worker = await startBenchWorker(env, cube, taskQueue, bundle);
          const measured = await worker.runUntil(
            runAndMeasure(env, cube, taskQueue, mode, `${mode}-${duration}-${Date.now()}`),
          );
          await cube.stop();
          return measured;
        }),
      );
      perBuild[formatMs(duration)] = Object.fromEntries(MODES.map((mode, i) => [mode, facts[i]])) as Record<
        Mode,
        BuildFacts
      >;
    }),
  );
  return perBuild;
}

/** Detection latency over {@link LATENCY_BUILDS} builds of random length (1–3 min build time) per mode. */
export async function detectionLatency(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
): Promise<Record<Mode, LatencyFigures>> {
  const cube = await startBenchCube(4, () => scaled(60_000 + Math.random() * 120_000));
  const worker = await startBenchWorker(env, cube, 'bench-latency', bundle);
  const all = await worker.runUntil(
    Promise.all(
      MODES.flatMap((mode) =>
        Array.from({ length: LATENCY_BUILDS }, (_, i) =>
          runAndMeasure(env, cube, 'bench-latency', mode, `lat-${mode}-${i}-${Date.now()}`).then((facts) => ({
            mode,
            facts,
          })),
        ),
      ),
    ),
  );
  await cube.stop();
  const latency = {} as Record<Mode, LatencyFigures>;
  for (const mode of MODES) {
    const builds = all.filter((r) => r.mode === mode).map((r) => r.facts);
    const values = builds.map((f) => f.latencyBuildMs);
    const within =
      builds.filter((f) => f.latencyBuildMs <= Math.max(1000, 0.05 * f.buildDurationMs)).length / builds.length;
    latency[mode] = { p50: percentile(values, 50), p95: percentile(values, 95), withinBound: within };
  }
  return latency;
}

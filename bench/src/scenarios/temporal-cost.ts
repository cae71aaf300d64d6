/**
 * Temporal's load per waiting build: one build of an hour (build time, scaled like the other
 * scenarios) in each design, all at once, each in a namespace of its own so that the dev server's
 * metrics tell them apart. Counted by the server: heartbeats it received and persistence writes; from
 * history: the other billable actions. The designs: ours with the default heartbeat timeout (5 min, a
 * heartbeat per 4 min), ours as 0.1 shipped it (30 s, a heartbeat per 24 s), and the naive 10 s loop.
 *
 * @module
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyActions, namespaceCounters } from '../measure.js';
import type { CostDesign, TemporalCostFigures } from '../results.js';
import { namespaceClient, scaled, startBenchCube, startBenchWorker, startBuild } from '../setup.js';

/** Each design: how its build runs, and the namespace it runs in. */
export const COST_DESIGNS: Record<CostDesign, { mode: 'cube-jobs' | 'baseline'; heartbeatTimeoutMs?: number }> = {
  'cube-jobs': { mode: 'cube-jobs', heartbeatTimeoutMs: 300_000 },
  'cube-jobs 0.1 (30 s)': { mode: 'cube-jobs', heartbeatTimeoutMs: 30_000 },
  baseline: { mode: 'baseline' },
};

/** The dev server namespace of a design (created when the server starts). */
export function costNamespace(design: CostDesign): string {
  return `bench-cost-${design.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '')}`;
}

/** One build of `buildMs` (build time) per design, at once; the server's counters per design. */
export async function temporalCost(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  metricsUrl: string,
  buildMs: number,
): Promise<TemporalCostFigures[]> {
  return Promise.all(
    (Object.keys(COST_DESIGNS) as CostDesign[]).map(async (design) => {
      const { mode, heartbeatTimeoutMs } = COST_DESIGNS[design];
      const namespace = costNamespace(design);
      const cube = await startBenchCube(12, scaled(buildMs));
      const taskQueue = `bench-cost-${mode}`;
      const worker = await startBenchWorker(env, cube, taskQueue, bundle, namespace);
      const client = namespaceClient(env, namespace);
      const before = await namespaceCounters(metricsUrl, namespace);
      const id = `cost-${mode}-${Date.now()}`;
      const handle = await worker.runUntil(async () => {
        const started = await startBuild(client, taskQueue, mode, id, undefined, heartbeatTimeoutMs);
        await started.result();
        return started;
      });
      await cube.stop();
      const after = await namespaceCounters(metricsUrl, namespace);
      const events = (await handle.fetchHistory()).events ?? [];
      const heartbeats = after.heartbeats - before.heartbeats;
      const actions = historyActions(events) + heartbeats;
      const buildMinutes = buildMs / 60_000;
      return {
        design,
        buildMs,
        heartbeatTimeoutMs,
        events: events.length,
        heartbeats,
        serverWrites: after.writes - before.writes,
        actions,
        writesPerBuildMinute: (after.writes - before.writes) / buildMinutes,
        actionsPerBuildHour: actions / (buildMinutes / 60),
      };
    }),
  );
}

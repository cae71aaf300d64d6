/**
 * Fault case: the same quirks on the real sample Cube (Cube 1.7.43, DuckDB).
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSampleCube } from '@cube-jobs/sample-cube';
import type { BuildPreAggregationsResult } from '@cube-jobs/temporal-workflows';
import type { CaseResult, FaultSuite } from '../context.js';
import { fastWait, selector, sleep } from '../context.js';

/**
 * 5b. The same quirks on the real sample Cube (Cube 1.7.43, DuckDB): a fresh database (no
 * pre-aggregation schema yet), then two builds of the very same partitions posted within one second.
 * Completed = the build succeeded; a POST beyond the first is only ever the rebuild of a job Cube
 * reported as collided (`already exists`).
 */
export async function realCubeQuirks(suite: FaultSuite): Promise<CaseResult> {
  const cubeDir = mkdtempSync(join(tmpdir(), 'cube-jobs-faults-cube-'));
  const cubeLog: string[] = [];
  const cube = await spawnSampleCube({ dataDir: cubeDir, onLog: (line) => cubeLog.push(line) });
  suite.produced.secrets.add(cube.apiSecret);
  const taskQueue = 'faults-real-cube';
  const { worker, connection } = await suite.inProcessWorker(cube, taskQueue, { timeoutMs: 30_000 });
  const ids = [`real-a-${Date.now()}`, `real-b-${Date.now()}`];
  try {
    const results = await worker.runUntil(async () => {
      await sleep(1000 - (Date.now() % 1000)); // both posts right after a second boundary
      const handles = await Promise.all(ids.map((id) => suite.start(taskQueue, id, { selector, wait: fastWait })));
      const outcomes = await suite.settle(handles, 180_000);
      return Promise.all(handles.map(async (h, i) => (outcomes[i] === 'ok' ? await h.result() : undefined)));
    });
    const done = results.filter(
      (r): r is BuildPreAggregationsResult => r?.outcome === 'succeeded' && r.jobs.every((j) => j.state === 'done'),
    );
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

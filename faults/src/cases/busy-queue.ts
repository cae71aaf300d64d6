/**
 * Fault case: a busy queue on the real sample Cube (1.7.43 on PostgreSQL, one build at a time, the
 * source table locked so builds wait). Two overlapping builds of the same partitions: Cube merges the
 * second into the first, whose jobs then read `missing_partition` for good; the worker must follow them
 * instead of posting again. Then a Cube restart that really loses queued jobs: they must be rebuilt.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CubeRequestEvent } from '@cube-jobs/core';
import { spawnSampleCube, startPostgres, type SpawnedSampleCube, type StartedPostgres } from '@cube-jobs/sample-cube';
import { freePort } from '@cube-jobs/testing';
import type {
  BuildPreAggregationsInput,
  BuildPreAggregationsResult,
} from '@cube-jobs/temporal-workflows/workflow-safe';
import type { CaseResult, FaultSuite } from '../context.js';
import { posted, sleep } from '../checks.js';

/** Four monthly partitions of the sample model. */
const input: BuildPreAggregationsInput = {
  selector: {
    contexts: [{ securityContext: {} }],
    timezones: ['UTC'],
    preAggregations: ['orders.by_month'],
    dateRange: ['2024-01-01', '2024-04-30'],
  },
  // The default policy (ambiguousConfirm 10 s): the second build's jobs stay missing_partition longer.
  wait: { pollInterval: 500, maxPollInterval: 2000 },
};
/** How long the queue is held after both builds posted: longer than `ambiguousConfirm` (10 s). */
const HOLD_MS = 15_000;

/** Names of the pre-aggregation tables that exist in PostgreSQL. */
async function builtTables(postgres: StartedPostgres): Promise<Set<string>> {
  const rows = await postgres.query<{ name: string }>(
    "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema = 'prod_pre_aggregations'",
  );
  return new Set(rows.map((row) => row.name));
}

/** 5d. Overlapping builds behind a busy queue, then a Cube restart that loses the queued jobs. */
export async function realCubeBusyQueue(suite: FaultSuite): Promise<CaseResult[]> {
  const postgres = await startPostgres();
  // The schema exists, so the first post does not race to create it (another case covers that).
  await postgres.query('CREATE SCHEMA prod_pre_aggregations');
  const cubeDir = mkdtempSync(join(tmpdir(), 'cube-jobs-faults-busy-'));
  const port = await freePort();
  /** Cube on the same port and data folder each time, so a restart keeps the worker's URL and secret. */
  const spawn = (apiSecret?: string) =>
    spawnSampleCube({
      dataDir: cubeDir,
      port,
      ...(apiSecret === undefined ? {} : { apiSecret }),
      env: { ...postgres.cubeEnv, CUBEJS_CONCURRENCY: '1' },
    });
  let cube: SpawnedSampleCube = await spawn();
  suite.produced.secrets.add(cube.apiSecret);
  const posts: CubeRequestEvent[] = [];
  const { worker, connection } = await suite.inProcessWorker(cube, 'faults-busy-queue', {
    timeoutMs: 30_000,
    onRequest: (event) => {
      if (event.action === 'post' && event.statusCode === 200) posts.push(event);
    },
  });
  const stamp = Date.now();
  try {
    return await worker.runUntil(async () => {
      // Two overlapping builds, the second planned a second or more after the first.
      let release = await postgres.lockTable('orders');
      const first = await suite.start('faults-busy-queue', `busy-a-${stamp}`, input);
      await posted(first);
      await sleep(1000 - (Date.now() % 1000) + 200);
      const second = await suite.start('faults-busy-queue', `busy-b-${stamp}`, input);
      await posted(second);
      await sleep(HOLD_MS);
      await release();
      const overlapping = await suite.settle([first, second], 120_000);
      const [a, b] = await Promise.all(
        [first, second].map((h, i): Promise<BuildPreAggregationsResult | undefined> =>
          overlapping[i] === 'ok' ? h.result() : Promise.resolve(undefined),
        ),
      );
      const tablesAfterOverlap = await builtTables(postgres);
      const followed = (b?.jobs ?? []).filter((job) => a?.jobs.some((twin) => twin.token === job.merge?.token));
      const overlapPosts = posts.length;

      // A restart that loses every queued job (memory driver): they must be built again, once each.
      release = await postgres.lockTable('orders');
      const third = await suite.start('faults-busy-queue', `busy-c-${stamp}`, input);
      await posted(third);
      await sleep(3000); // polls read the jobs' partitions, so a lost job is posted again narrowed to its own
      await cube.stop();
      cube = await spawn(cube.apiSecret);
      await sleep(HOLD_MS);
      await release();
      const [restartEnd] = await suite.settle([third], 180_000);
      const c = restartEnd === 'ok' ? await third.result() : undefined;
      const tables = await builtTables(postgres);
      const rebuilt = (c?.jobs ?? []).filter((job) => job.state === 'done' && tables.has(job.table ?? ''));
      const overlapBuilds = [a, b].filter((r) => r?.outcome === 'succeeded');
      return [
        {
          name: 'real Cube (PostgreSQL), busy queue: two overlapping builds of the same 4 partitions',
          runs: 2,
          completed: overlapBuilds.length,
          // Any POST beyond one per build posted a partition again.
          duplicatePosts: overlapPosts - 2,
          note:
            `${followed.length}/4 of the second build's jobs followed the first's (merged, missing_partition for good), ` +
            `retriggered jobs ${a?.retriggeredJobs ?? '?'}/${b?.retriggeredJobs ?? '?'}, ` +
            `${tablesAfterOverlap.size} table(s) built for 4 partitions, queue held ${HOLD_MS / 1000} s`,
          ok: followed.length === 4 && tablesAfterOverlap.size === 4,
        },
        {
          name: 'real Cube (PostgreSQL), busy queue: Cube restarted, queued jobs lost',
          runs: 1,
          completed: rebuilt.length === 4 ? 1 : 0,
          // Each lost job may be posted again once (narrowed to its partition).
          duplicatePosts: Math.max(0, (c?.triggers ?? 0) - 1 - 4),
          note: `${c?.retriggeredJobs ?? '?'} lost job(s) rebuilt, POSTs ${c?.triggers ?? '?'}, ${rebuilt.length}/4 tables in PostgreSQL`,
          ok: (c?.retriggeredJobs ?? 0) === 4,
        },
      ];
    });
  } finally {
    await connection.close();
    await cube.stop();
    await postgres.stop();
    rmSync(cubeDir, { recursive: true, force: true });
  }
}

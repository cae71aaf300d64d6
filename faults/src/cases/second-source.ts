/**
 * Fault case: a build on a non-default data source behind a busy queue, on the real sample Cube (1.7.43
 * on PostgreSQL, data source `second`: the same database through its own driver and build queue, one
 * build at a time, the source table locked for longer than `ambiguousConfirm`). Before cube-js/cube
 * #11313's fix such jobs read `missing_partition` while they ran, and a `retrigger` policy would post
 * them again; 1.7.43 reads `scheduled` / `processing` (measured). The build must post once, finish, and
 * verify every partition (`verify: { minRows: 1 }`).
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CubeRequestEvent } from '@cube-jobs/core';
import { spawnSampleCube, startPostgres } from '@cube-jobs/sample-cube';
import type { BuildPreAggregationsInput } from '@cube-jobs/temporal-workflows/workflow-safe';
import type { CaseResult, FaultSuite } from '../context.js';
import { posted, sleep } from '../checks.js';

/** The three monthly partitions of the cube on the second data source, verified once done. */
const input: BuildPreAggregationsInput = {
  selector: {
    contexts: [{ securityContext: {} }],
    timezones: ['UTC'],
    preAggregations: ['orders_archive.by_month'],
  },
  // The default policy: missing_partition and not_found are retriggered after 10 s (ambiguousConfirm).
  wait: { pollInterval: 500, maxPollInterval: 2000 },
  verify: { minRows: 1 },
};
/** How long the source table stays locked after the post: longer than `ambiguousConfirm` (10 s). */
const HOLD_MS = 15_000;

/** 5e. A build on the second data source while its queue is busy: one post, every partition verified. */
export async function realCubeSecondSource(suite: FaultSuite): Promise<CaseResult> {
  const postgres = await startPostgres();
  await postgres.query('CREATE SCHEMA prod_pre_aggregations');
  const cubeDir = mkdtempSync(join(tmpdir(), 'cube-jobs-faults-second-'));
  const cube = await spawnSampleCube({
    dataDir: cubeDir,
    withSecondSource: true,
    env: { ...postgres.cubeEnv, CUBEJS_CONCURRENCY: '1' },
  });
  suite.produced.secrets.add(cube.apiSecret);
  const posts: CubeRequestEvent[] = [];
  const { worker, connection } = await suite.inProcessWorker(cube, 'faults-second-source', {
    timeoutMs: 30_000,
    onRequest: (event) => {
      if (event.action === 'post' && event.statusCode === 200) posts.push(event);
    },
  });
  try {
    return await worker.runUntil(async () => {
      const release = await postgres.lockTable('orders');
      const handle = await suite.start('faults-second-source', `second-source-${Date.now()}`, input);
      await posted(handle);
      await sleep(HOLD_MS);
      await release();
      const [end] = await suite.settle([handle], 120_000);
      const result = end === 'ok' ? await handle.result() : undefined;
      const verified = (result?.jobs ?? []).filter((job) => job.verification?.outcome === 'verified').length;
      return {
        name: 'real Cube (PostgreSQL), second data source, busy queue: one build of 3 partitions, verified',
        runs: 1,
        completed: result ? 1 : 0,
        duplicatePosts: posts.length - 1,
        note: `queue held ${HOLD_MS / 1000} s, POSTs ${posts.length}, retriggered jobs ${result?.retriggeredJobs ?? '?'}, ${verified}/3 partitions verified`,
        ok: verified === 3 && (result?.retriggeredJobs ?? 1) === 0,
      };
    });
  } finally {
    await connection.close();
    await cube.stop();
    await postgres.stop();
    rmSync(cubeDir, { recursive: true, force: true });
  }
}

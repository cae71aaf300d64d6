/**
 * Fault case: the Temporal server restarts mid-build: the dev server (same port and database file), or,
 * with `--temporal=cluster`, every service of the cluster and its PostgreSQL.
 *
 * @module
 */
import type { CaseResult, FaultSuite } from '../context.js';
import { fastWait, selectorFor } from '../context.js';
import { duplicatePostsOf, postsPerBuild, sleep, until } from '../checks.js';

/** 4. The Temporal server restarts mid-build (the cluster: with its PostgreSQL). */
export async function temporalRestart(suite: FaultSuite): Promise<CaseResult> {
  const cube = await suite.fake({ buildDurationMs: 8000 });
  const taskQueue = 'faults-temporal-restart';
  const { worker, connection } = await suite.inProcessWorker(cube, taskQueue);
  const ids = Array.from({ length: 3 }, (_, i) => `temporal-restart-${i}-${Date.now()}`);
  const running = worker.run();
  await Promise.all(ids.map((id, i) => suite.start(taskQueue, id, { selector: selectorFor(i), wait: fastWait })));
  await until(
    () => cube.posts().length >= ids.length,
    () => `${cube.posts().length} of ${ids.length} builds posted`,
  );
  await sleep(500);
  await suite.restartServer();
  const outcomes = await suite.settle(
    ids.map((id) => suite.client.workflow.getHandle(id)),
    90_000,
  );
  worker.shutdown();
  await running;
  await connection.close();
  return {
    name:
      suite.server.kind === 'cluster'
        ? 'Temporal cluster and its PostgreSQL restarted mid-build'
        : 'Temporal dev server restarted mid-build',
    runs: ids.length,
    completed: outcomes.filter((o) => o === 'ok').length,
    duplicatePosts: duplicatePostsOf(postsPerBuild(cube, ids)),
    note: suite.server.restartNote,
    ok: true,
  };
}

/**
 * Fault case: SIGKILL the worker at random moments while builds wait; every build completes with one POST.
 *
 * @module
 */
import type { CaseResult, FaultSuite } from '../context.js';
import { fastWait, selectorFor } from '../context.js';
import { duplicatePostsOf, postsPerBuild, sleep, until } from '../checks.js';

/** 1. SIGKILL the worker at 20 random moments while builds wait. */
export async function workerKills(suite: FaultSuite): Promise<CaseResult> {
  const cube = await suite.fake({ buildDurationMs: 20_000 });
  const taskQueue = 'faults-kill';
  let worker = await suite.spawnWorker(cube, taskQueue);
  const ids = Array.from({ length: 10 }, (_, i) => `kill-${i}-${Date.now()}`);
  const handles = await Promise.all(
    ids.map((id, i) => suite.start(taskQueue, id, { selector: selectorFor(i), wait: fastWait })),
  );
  await until(
    () => cube.posts().length >= ids.length,
    () => `${cube.posts().length} of ${ids.length} builds posted`,
  );
  const kills = 20;
  for (let k = 0; k < kills; k += 1) {
    await sleep(200 + Math.random() * 1000);
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    worker = await suite.spawnWorker(cube, taskQueue);
  }
  const outcomes = await suite.settle(handles, 120_000);
  worker.kill('SIGKILL');
  const posts = postsPerBuild(cube, ids);
  return {
    name: `worker SIGKILL at ${kills} random moments`,
    runs: ids.length,
    completed: outcomes.filter((o) => o === 'ok').length,
    duplicatePosts: duplicatePostsOf(posts),
    note: `POSTs per build: ${[...new Set(posts)].join('/')}`,
    ok: posts.every((p) => p === 1),
  };
}

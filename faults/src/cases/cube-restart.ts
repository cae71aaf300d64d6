/**
 * Fault case: Cube restarts mid-build and forgets every job (memory driver), under the retrigger and fail policies.
 *
 * @module
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CaseResult, FaultSuite } from '../context.js';
import { describeError, fastWait, selectorFor } from '../context.js';
import { duplicatePostsOf, postsPerBuild, unpolledBuilds, until } from '../checks.js';

/** 2. Cube restarts mid-build (memory driver: every job lost). */
export async function cubeRestart(suite: FaultSuite): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const policy of ['retrigger', 'fail'] as const) {
    const cube = await suite.fake({ buildDurationMs: 3000 });
    const taskQueue = `faults-restart-${policy}`;
    const { worker, connection } = await suite.inProcessWorker(cube, taskQueue);
    const ids = Array.from(
      { length: policy === 'retrigger' ? 5 : 2 },
      (_, i) => `restart-${policy}-${i}-${Date.now()}`,
    );
    const outcomes = await worker.runUntil(async () => {
      const handles = await Promise.all(
        ids.map((id, i) =>
          suite.start(taskQueue, id, { selector: selectorFor(i), wait: fastWait, policy: { onNotFound: policy } }),
        ),
      );
      // Let a poll see every job (so their targets are known), then lose them all. Polls are shared, so
      // count the tokens the successful gets asked for, not the gets.
      await until(() => unpolledBuilds(cube, ids).length === 0, 'every job polled before the restart');
      await cube.restart({ downtimeMs: 300 });
      if (policy === 'fail') {
        return Promise.all(
          handles.map((h) =>
            h.result().then(
              () => 'unexpected success',
              (e: unknown) => e,
            ),
          ),
        );
      }
      return suite.settle(handles, 60_000);
    });
    await connection.close();
    const posts = postsPerBuild(cube, ids);
    if (policy === 'retrigger') {
      // 6 jobs per build were lost; each may be posted again once.
      const extra = posts.map((p) => p - 1);
      results.push({
        name: 'Cube restart mid-build, policy retrigger',
        runs: ids.length,
        completed: (outcomes as string[]).filter((o) => o === 'ok').length,
        duplicatePosts: extra.reduce((n, e) => n + Math.max(0, e - 6), 0),
        note: `extra POSTs per build: ${[...new Set(extra)].join('/')} for 6 lost jobs (at most 1 each)`,
        ok: extra.every((e) => e <= 6),
      });
    } else {
      const typed = outcomes.filter(
        (e) =>
          e instanceof WorkflowFailedError &&
          e.cause instanceof ApplicationFailure &&
          e.cause.type === 'PreAggregationBuildFailedError' &&
          /not_found/.test(e.cause.message) &&
          /orders_by_month2024/.test(e.cause.message),
      ).length;
      for (const e of outcomes) suite.produced.errors.push(describeError(e));
      results.push({
        name: 'Cube restart mid-build, policy fail',
        runs: ids.length,
        completed: typed,
        duplicatePosts: duplicatePostsOf(posts),
        note: 'completed = typed failure naming the lost jobs',
        ok: posts.every((p) => p === 1),
      });
    }
  }
  return results;
}

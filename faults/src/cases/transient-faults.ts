/**
 * Fault case: 30 % of requests meet a transient fault (5xx, resets, hangs, 429, `Continue wait`).
 *
 * @module
 */
import type { CaseResult, FaultSuite } from '../context.js';
import { fastWait, selectorFor } from '../context.js';
import { duplicatePostsOf, postsPerBuild } from '../checks.js';

/** 3. 30 % of requests meet a transient fault. */
export async function transientFaults(suite: FaultSuite): Promise<CaseResult> {
  const cube = await suite.fake({
    buildDurationMs: 2000,
    seed: 7,
    faults: [
      { kind: 'http-error', status: 503, probability: 0.12 },
      { kind: 'reset', probability: 0.07 },
      { kind: 'hang', probability: 0.05 },
      { kind: 'rate-limit', retryAfterSeconds: 1, probability: 0.07 },
      { kind: 'continue-wait', action: 'post', probability: 0.3 },
      { kind: 'http-error', status: 500, action: 'post', probability: 0.1, body: { error: 'TypeError: transient' } },
    ],
  });
  const taskQueue = 'faults-transient';
  const { worker, connection } = await suite.inProcessWorker(cube, taskQueue);
  const ids = Array.from({ length: 20 }, (_, i) => `transient-${i}-${Date.now()}`);
  const outcomes = await worker.runUntil(async () =>
    suite.settle(
      await Promise.all(
        ids.map((id, i) =>
          suite.start(taskQueue, id, { selector: selectorFor(i), wait: { ...fastWait, deadline: '2m' } }),
        ),
      ),
      150_000,
    ),
  );
  await connection.close();
  // Posts name their build in x-request-id; status polls go through the worker's shared poller.
  const postAttempts = ids.map(
    (id) =>
      cube.requests.filter((r) => r.action === 'post' && String(r.headers['x-request-id'] ?? '').startsWith(`${id}:`))
        .length,
  );
  const gets = cube.requests.filter((r) => r.action === 'get').length;
  const faulted = cube.requests.filter(
    (r) => r.status === undefined || (r.status ?? 0) >= 429 || (r.action === 'post' && r.issuedTokens === undefined),
  ).length;
  return {
    name: '30 % transient faults (5xx, resets, hangs, 429, Continue wait)',
    runs: ids.length,
    completed: outcomes.filter((o) => o === 'ok').length,
    duplicatePosts: duplicatePostsOf(postsPerBuild(cube, ids)),
    note: `${((faulted / cube.requests.length) * 100).toFixed(0)} % of ${cube.requests.length} requests faulted; at most ${Math.max(...postAttempts)} post attempts for one build; ${gets} shared status requests`,
    ok: true,
  };
}

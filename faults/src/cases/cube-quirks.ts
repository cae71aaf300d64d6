/**
 * Fault case: Cube's quirks seen live, on the fake: the first post's schema-creation race, and same-second rebuilds.
 *
 * @module
 */
import type { CaseResult, FaultSuite } from '../context.js';
import { fastWait, selector, selectorFor } from '../context.js';
import { postsPerBuild, sleep, until } from '../checks.js';

/** 5. Cube's quirks seen live: the first post's schema-creation race, and same-second rebuilds. */
export async function cubeQuirks(suite: FaultSuite): Promise<CaseResult> {
  const cube = await suite.fake({
    sameSecondRebuildFails: true,
    buildDurationMs: 100,
    faults: [
      {
        kind: 'http-error',
        status: 400,
        action: 'post',
        times: 1,
        body: { error: 'error: duplicate key value violates unique constraint "pg_namespace_nspname_index"' },
      },
    ],
  });
  const taskQueue = 'faults-quirks';
  const { worker, connection } = await suite.inProcessWorker(cube, taskQueue);
  const race = `quirk-race-${Date.now()}`;
  // Then two builds of the very same partitions: the second posted once the first one's tables exist,
  // within the same second. Cube names a table after that second, so the second build collides.
  const pair = [`quirk-a-${Date.now()}`, `quirk-b-${Date.now()}`];
  const outcomes = await worker.runUntil(async () => {
    const first = await suite.settle(
      [await suite.start(taskQueue, race, { selector: selectorFor(0), wait: fastWait })],
      60_000,
    );
    await sleep(1000 - (Date.now() % 1000)); // start the pair right after a second boundary
    const a = await suite.start(taskQueue, pair[0] as string, { selector, wait: fastWait });
    const posted = cube.posts().length;
    await until(() => cube.posts().length > posted, 'the first build of the pair posted', { everyMs: 5 });
    await sleep(150); // the fake builds each partition in 100 ms
    const b = await suite.start(taskQueue, pair[1] as string, { selector, wait: fastWait });
    return [...first, ...(await suite.settle([a, b], 60_000))];
  });
  await connection.close();
  const collided = cube.jobs.filter((j) => /already exists/.test(cube.statusOf(j.token))).length;
  const ids = [race, ...pair];
  const posts = postsPerBuild(cube, ids);
  // Each collided job of a build is posted again once (narrowed to its partition), by design.
  const collidedPerBuild = ids.map(
    (id) =>
      cube
        .posts()
        .filter((r) => String(r.headers['x-request-id'] ?? '').startsWith(`${id}:`))
        .flatMap((r) => r.issuedTokens ?? [])
        .filter((token) => /already exists/.test(cube.statusOf(token))).length,
  );
  return {
    name: 'Cube quirks: schema-creation race, same-second rebuild',
    runs: ids.length,
    completed: outcomes.filter((o) => o === 'ok').length,
    duplicatePosts: posts.reduce((n, p, i) => n + Math.max(0, p - 1 - (collidedPerBuild[i] ?? 0)), 0),
    note: `schema race retried; ${collided} collided job(s) rebuilt a second later; POSTs per build ${posts.join('/')}`,
    ok: (posts[0] ?? 0) === 1,
  };
}

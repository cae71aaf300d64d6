/**
 * Fault case: JWTs that expire long before the build ends are minted again.
 *
 * @module
 */
import type { CaseResult, FaultSuite } from '../context.js';
import { fastWait, selector } from '../context.js';

/** 6. JWTs that expire long before the build ends are minted again. */
export async function shortLivedJwt(suite: FaultSuite): Promise<CaseResult> {
  const cube = await suite.fake({ buildDurationMs: 8000 });
  const taskQueue = 'faults-jwt';
  const { worker, connection } = await suite.inProcessWorker(cube, taskQueue, { advanced: { tokenTtlMs: 2000 } });
  const id = `jwt-${Date.now()}`;
  const [outcome] = await worker.runUntil(async () =>
    suite.settle([await suite.start(taskQueue, id, { selector, wait: fastWait })], 60_000),
  );
  await connection.close();
  const forbidden = cube.requests.filter((r) => r.status === 403).length;
  const jwts = new Set(cube.requests.map((r) => r.headers.authorization)).size;
  return {
    name: 'JWT lifetime 2 s, build 8 s',
    runs: 1,
    completed: outcome === 'ok' ? 1 : 0,
    duplicatePosts: 0,
    note: `${jwts} JWTs minted, ${forbidden} answered 403`,
    ok: forbidden === 0 && jwts >= 3,
  };
}

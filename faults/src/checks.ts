/**
 * How a fault case waits for its moment and counts what happened: bounded waits on a condition (a case
 * that never gets there fails instead of hanging the suite), and figures read from the fake Cube's log
 * (posts per build, builds whose wait has polled), which add no load to Temporal.
 *
 * @module
 */
import type { FakeCube } from '@cube-jobs/testing';
import { getBuildProgress } from '@cube-jobs/temporal-workflows/workflow-safe';
import type { WorkflowHandle } from '@temporalio/client';

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once `done()` holds, checking every `everyMs`; after `timeoutMs` throws `what` (the case
 * becomes a failed row instead of hanging the suite). `what` is a function when it reports progress.
 */
export async function until(
  done: () => boolean | Promise<boolean>,
  what: string | (() => string),
  { timeoutMs = 120_000, everyMs = 50 }: { readonly timeoutMs?: number; readonly everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

/** Resolves once a build has posted (its trigger's tokens are in its history), or throws after 120 s. */
export function posted(handle: WorkflowHandle): Promise<void> {
  return until(
    async () => ((await handle.query(getBuildProgress).catch(() => undefined))?.triggers ?? 0) > 0,
    `build ${handle.workflowId} posted`,
    { everyMs: 100 },
  );
}

/** POSTs that created jobs, per workflow id (from the fake's log and the x-request-id header). */
export function postsPerBuild(cube: FakeCube, workflowIds: readonly string[]): number[] {
  return workflowIds.map(
    (id) => cube.posts().filter((r) => String(r.headers['x-request-id'] ?? '').startsWith(`${id}:`)).length,
  );
}

/**
 * The builds that have not posted yet, or whose tokens a successful status request has not all named
 * (their wait has not polled yet). Read from the fake's log: watching adds no load to Temporal.
 */
export function unpolledBuilds(cube: FakeCube, workflowIds: readonly string[]): string[] {
  const polled = new Set(
    cube.requests
      .filter((r) => r.action === 'get' && r.status === 200)
      .flatMap((r) => (r.body as { tokens: string[] }).tokens),
  );
  const posts = cube.posts();
  return workflowIds.filter((id) => {
    const tokens = posts
      .filter((r) => String(r.headers['x-request-id'] ?? '').startsWith(`${id}:`))
      .flatMap((r) => r.issuedTokens ?? []);
    return tokens.length === 0 || tokens.some((token) => !polled.has(token));
  });
}

/** Posts beyond one per build, summed. */
export function duplicatePostsOf(posts: readonly number[]): number {
  return posts.reduce((n, p) => n + Math.max(0, p - 1), 0);
}

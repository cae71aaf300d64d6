/**
 * Fault case: three worker processes on one task queue share 300 builds; one of them is SIGKILLed
 * mid-wait (once every build's wait has started). Every build completes with one POST, the waits spread
 * over the workers, and the killed worker's waits are taken over by the others (their wait activity runs
 * a second attempt). A kill inside the trigger's window (after the POST, before the workflow task that
 * records its tokens completed) may post again: a known limit (docs/reliability.md), not this case.
 *
 * @module
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { CaseResult, FaultSuite } from '../context.js';
import { duplicatePostsOf, fastWait, postsPerBuild, selectorFor, sleep } from '../context.js';

/** Which worker ran the last attempt of a build's wait, and which attempt that was. */
async function waitWorkerOf(handle: WorkflowHandle): Promise<{ identity: string; attempt: number } | undefined> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const scheduledIds = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForPreAggregationJobs')
      .map((e) => String(e.eventId)),
  );
  const started = events
    .map((e) => e.activityTaskStartedEventAttributes)
    .filter((a) => a !== null && a !== undefined && scheduledIds.has(String(a.scheduledEventId)))
    .at(-1);
  return started ? { identity: started.identity ?? 'unknown', attempt: started.attempt ?? 1 } : undefined;
}

/** Resolves once every build's wait activity has started (its trigger is in its history), or throws. */
async function untilWaiting(handles: readonly WorkflowHandle[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...handles];
  while (pending.length > 0) {
    const waiting = await Promise.all(
      pending.map(async (handle) => {
        const { raw } = await handle.describe();
        return (raw.pendingActivities ?? []).some(
          (a) => a.activityType?.name === 'waitForPreAggregationJobs' && a.lastStartedTime,
        );
      }),
    );
    pending = pending.filter((_, i) => !waiting[i]);
    if (pending.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`${pending.length} builds had not started their wait after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** 9. Three workers, 300 builds, one worker SIGKILLed mid-wait. */
export async function manyWorkers(suite: FaultSuite): Promise<CaseResult> {
  // Long enough for every build to be waiting when the worker is killed, however slowly they started.
  const cube = await suite.fake({ buildDurationMs: 20_000 });
  const taskQueue = 'faults-many-workers';
  const workers = await Promise.all([0, 1, 2].map(() => suite.spawnWorker(cube, taskQueue)));
  const ids = Array.from({ length: 300 }, (_, i) => `many-${i}-${Date.now()}`);
  const handles = await Promise.all(
    ids.map((id, i) => suite.start(taskQueue, id, { selector: selectorFor(i), wait: fastWait })),
  );
  await untilWaiting(handles, 60_000);
  const [killed, ...alive] = workers;
  killed?.kill('SIGKILL');
  const outcomes = await suite.settle(handles, 180_000);
  for (const worker of alive) worker.kill('SIGTERM');
  const posts = postsPerBuild(cube, ids);
  const waits = await Promise.all(handles.map(waitWorkerOf));
  const perWorker = new Map<string, number>();
  for (const wait of waits) if (wait) perWorker.set(wait.identity, (perWorker.get(wait.identity) ?? 0) + 1);
  const takenOver = waits.filter((wait) => (wait?.attempt ?? 1) > 1).length;
  const gets = cube.requests.filter((r) => r.action === 'get').length;
  const spread = [...perWorker.values()].sort((a, b) => b - a);
  return {
    name: '3 workers, 300 builds, one worker SIGKILLed mid-wait',
    runs: ids.length,
    completed: outcomes.filter((o) => o === 'ok').length,
    duplicatePosts: duplicatePostsOf(posts),
    note: `final waits per worker ${spread.join('/')}; ${takenOver} taken over after the kill; ${gets} status requests in all`,
    // The load spread: the surviving workers both finished waits, and the killed one's were taken over.
    ok: posts.every((p) => p === 1) && spread.length >= 2 && (spread[1] ?? 0) > 0 && takenOver > 0,
  };
}

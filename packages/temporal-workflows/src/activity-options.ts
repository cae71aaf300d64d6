/**
 * How the workflow calls the activities: the trigger as a local activity with a deadline-bounded
 * backoff, and the long wait that polls and heartbeats. Activity options live here, in one place. The
 * activities mark the failures no retry can mend `nonRetryable` themselves (from core's
 * `CubeJobsError.retryable`), so the retry policies list no failure types.
 *
 * Workflow-safe: imports `@temporalio/workflow` and activity *types* only.
 *
 * @module
 */
import type { CubeJobsActivities } from '@cube-jobs/temporal-activities';
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

/** The trigger's backoff between attempts: 1 s, doubling, at most 10 s. */
export const TRIGGER_RETRY = { initialMs: 1000, coefficient: 2, maxMs: 10_000 } as const;

/** Trigger attempts without a deadline: about a minute of backoff. */
export const TRIGGER_ATTEMPTS_WITHOUT_DEADLINE = 10;

/**
 * How many trigger attempts start within `budgetMs` with {@link TRIGGER_RETRY}'s backoff. The SDK (1.24)
 * does not end a local activity's retries at its `scheduleToCloseTimeout` while it backs off (and its
 * timer task panics when it fires after a retry), so the deadline is turned into an attempt count.
 */
export function triggerAttemptsWithin(budgetMs: number): number {
  let attempts = 1;
  let startsAtMs = 0;
  let delayMs: number = TRIGGER_RETRY.initialMs;
  while (startsAtMs + delayMs < budgetMs && attempts < 1000) {
    startsAtMs += delayMs;
    attempts += 1;
    delayMs = Math.min(delayMs * TRIGGER_RETRY.coefficient, TRIGGER_RETRY.maxMs);
  }
  return attempts;
}

/**
 * Backoffs longer than this become durable timers between workflow tasks instead of a wait inside one.
 * The SDK's default (1 minute) keeps the whole retry sequence in one workflow task while Cube is down:
 * the task is heartbeated for minutes and the worker logs `TMPRL1104 Workflow task duration exceeded`.
 * With 1 s only the first retry waits inside the task; each later one costs a timer (about 5 history
 * events, and only while Cube fails).
 */
export const TRIGGER_LOCAL_RETRY_THRESHOLD_MS = 1000;

/**
 * The trigger runs as a local activity: its result (the tokens) is recorded as one marker event in the
 * workflow task that ran it, instead of three activity events and a workflow task of their own. With a
 * deadline it is tried again for as long as the deadline allows (Cube may be briefly unreachable when
 * the build starts); without one, {@link TRIGGER_ATTEMPTS_WITHOUT_DEADLINE} times.
 */
export function triggerActivity(remainingMs: number | undefined, summary?: string) {
  return proxyLocalActivities<CubeJobsActivities>({
    ...(summary === undefined ? {} : { summary }),
    startToCloseTimeout: '1 minute',
    localRetryThreshold: TRIGGER_LOCAL_RETRY_THRESHOLD_MS,
    retry: {
      initialInterval: TRIGGER_RETRY.initialMs,
      maximumInterval: TRIGGER_RETRY.maxMs,
      backoffCoefficient: TRIGGER_RETRY.coefficient,
      maximumAttempts:
        remainingMs === undefined ? TRIGGER_ATTEMPTS_WITHOUT_DEADLINE : triggerAttemptsWithin(remainingMs),
    },
  }).triggerPreAggregationBuild;
}

/** The wait's retry policy (a lost worker, a crash): 1 s doubling to 30 s. */
const WAIT_RETRY = { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 } as const;

/**
 * The wait: one activity that polls and heartbeats until the jobs settle. A cancelled build does not wait
 * for the activity to acknowledge: that arrives with its next heartbeat (up to 0.8 × the heartbeat
 * timeout later), and Cube cannot cancel a build anyway; the activity stops polling then.
 */
export function waitingActivity(heartbeatTimeoutMs: number, remainingMs: number | undefined, summary?: string) {
  // The activity bounds the wait itself (deadline); startToClose only has to outlast it.
  const budgetMs = (remainingMs ?? 25 * 3_600_000) + 5 * 60_000;
  return proxyActivities<CubeJobsActivities>({
    ...(summary === undefined ? {} : { summary }),
    startToCloseTimeout: budgetMs,
    heartbeatTimeout: heartbeatTimeoutMs,
    retry: WAIT_RETRY,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
  }).waitForPreAggregationJobs;
}

/**
 * The verification of `done` jobs: one query per partition, seconds in all. Retried while Cube is
 * unreachable (1 s doubling to 30 s, 10 attempts), within the deadline when there is one; a missing scope
 * is not retried (the activity marks it non-retryable).
 */
export function verifyingActivity(remainingMs: number | undefined, summary?: string) {
  return proxyActivities<CubeJobsActivities>({
    ...(summary === undefined ? {} : { summary }),
    startToCloseTimeout: '10 minutes',
    ...(remainingMs === undefined ? {} : { scheduleToCloseTimeout: Math.max(1, remainingMs) }),
    retry: { ...WAIT_RETRY, maximumAttempts: 10 },
  }).verifyPreAggregationJobs;
}

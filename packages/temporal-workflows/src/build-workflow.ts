/**
 * `buildPreAggregations`: trigger a Cube pre-aggregation build once, wait for it durably, trigger
 * again only the jobs that need it, and report every job's outcome.
 *
 * This module runs in Temporal's workflow sandbox: it imports `@temporalio/workflow`, the pure part of
 * core (`@cube-jobs/core/protocol`) and activity *types* only. The outcome of each wait is decided once,
 * by core's wait loop in the waiting activity (`wait-for-jobs.ts`), and of each verification by core's
 * `verifyJobs` (`verify-jobs.ts`); the workflow acts on that verdict:
 * which jobs to trigger again and how (`retrigger-plan.ts`), and how it fails (`failures.ts`). What it
 * records along the way is in `build-bookkeeping.ts`.
 *
 * @module
 */
import { CubeJobsValidationError, type PreAggregationSelector } from '@cube-jobs/core/protocol';
import { ApplicationFailure, isCancellation, setWorkflowOptions, sleep, workflowInfo } from '@temporalio/workflow';
import { triggerActivity } from './activity-options.js';
import { BuildBookkeeping } from './build-bookkeeping.js';
import {
  activitiesMissingFailure,
  asBuildFailure,
  buildFailedFailure,
  deadlineFailure,
  invalidInputFailure,
  isUnregisteredLocalActivity,
  verificationFailedFailure,
  waitDeadlineFailure,
} from './failures.js';
import { resolveBuildInput, type ResolvedBuildInput } from './input.js';
import { countByState } from './job-records.js';
import { planRetrigger, type RetriggerPost } from './retrigger-plan.js';
import { describeSelector } from './summaries.js';
import type { BuildJob, BuildPreAggregationsInput, BuildPreAggregationsResult, BuildState } from './types.js';
import { verifyDoneJobs } from './verify-jobs.js';
import { waitForUnfinishedJobs } from './wait-for-jobs.js';

export { getBuildProgress } from './build-bookkeeping.js';

/** How long a partition that failed verification waits before it is posted again (one second: see its use). */
const VERIFY_RETRIGGER_AFTER_MS = 1000;

/** The most a retrigger's backoff is stretched at random, so that concurrent builds do not post in step. */
const RETRIGGER_JITTER_MS = 2000;

/**
 * Triggers the builds a selector matches exactly once, waits for them, with `verify` proves that Cube
 * serves what they built, triggers again only the jobs the policy says to, and returns every job's final
 * status. Always fails with a non-retryable `ApplicationFailure` whose `type` is one of core's
 * `ERROR_NAMES`: `PreAggregationBuildFailedError` listing every failed job,
 * `PreAggregationVerificationError` listing every partition Cube does not serve,
 * `PreAggregationWaitTimeoutError`, `CubeJobsValidationError`, or the error Cube's requests ended with
 * (`CubeJobsConnectionError`, `CubeJobsAuthError`, …).
 */
export async function buildPreAggregations(input: BuildPreAggregationsInput): Promise<BuildPreAggregationsResult> {
  const config = resolveInputOrFail(input);
  const state: BuildState = { jobs: [], triggers: 0, retriggered: 0, polls: 0, startedAtMs: Date.now() };
  const book = new BuildBookkeeping(config.selector, state);
  const remainingMs = () =>
    config.deadlineMs === undefined ? undefined : config.deadlineMs - (Date.now() - state.startedAtMs);
  const trigger = (selector: PreAggregationSelector, attempt: number, mergedReposts = 0) =>
    triggerOnce(config, state, book, remainingMs(), { selector, attempt, mergedReposts });
  try {
    state.jobs = await trigger(config.selector, 1);
    book.triggered();
    for (;;) {
      let verdict = await waitForUnfinishedJobs(config, state, remainingMs());
      book.waited();
      if (verdict.outcome === 'deadline_exceeded') throw waitDeadlineFailure(state.jobs);
      if (verdict.outcome === 'succeeded') {
        if (!config.verify) break;
        book.enter('verifying');
        const unverified = await verifyDoneJobs(config.verify.minRows, state, remainingMs());
        if (unverified.length === 0) break;
        // A post in the second the partition's table was named in collides with it (Cube's same-second
        // collision): a retrigger waits for the next second at least.
        verdict = { outcome: 'failed', failed: unverified, retrigger: [], retriggerAfterMs: VERIFY_RETRIGGER_AFTER_MS };
      }

      const plan = planRetrigger(state.jobs, verdict, config);
      if (!plan.proceed) {
        const failed = [...plan.hardFailed, ...plan.retrigger];
        const facts = {
          failed,
          exhausted: plan.exhausted.length,
          maxRetriggers: config.maxRetriggers,
          counts: countByState(state.jobs),
        };
        throw failed.every((job) => job.verification?.outcome === 'failed')
          ? verificationFailedFailure(facts)
          : buildFailedFailure(facts);
      }
      book.retriggering(plan);
      if (plan.backoffMs > 0)
        await sleepWithin(plan.backoffMs + Math.floor(Math.random() * RETRIGGER_JITTER_MS), remainingMs());
      const fresh = await Promise.all(
        plan.posts.map((post: RetriggerPost) => trigger(post.selector, post.attempt, post.mergedReposts)),
      );
      const replaced = new Set(plan.retrigger.map((job) => job.token));
      state.jobs = [...state.jobs.filter((job) => !replaced.has(job.token)), ...fresh.flat()];
      state.retriggered += plan.retrigger.length;
      book.enter('waiting');
    }
  } catch (error) {
    book.enter(isCancellation(error) ? 'cancelled' : 'failed');
    throw asBuildFailure(error);
  }
  book.enter('succeeded');
  return resultOf(state);
}

/** Validates the input, turning a validation error into the workflow's typed failure. */
function resolveInputOrFail(input: BuildPreAggregationsInput): ResolvedBuildInput {
  try {
    return resolveBuildInput(input);
  } catch (error) {
    if (error instanceof CubeJobsValidationError) throw invalidInputFailure(error);
    throw error;
  }
}

/** One `post` to make, and what the jobs it creates count as. */
interface TriggerRequest {
  readonly selector: PreAggregationSelector;
  readonly attempt: number;
  readonly mergedReposts: number;
}

/**
 * Posts a selector, retried within the deadline. When the retries ran out (or the deadline passed) on
 * a transient error, the build fails with the deadline's typed failure; errors that no retry can mend
 * (a bad selector, a missing scope) and cancellation pass through.
 */
async function triggerOnce(
  config: ResolvedBuildInput,
  state: BuildState,
  book: BuildBookkeeping,
  remainingMs: number | undefined,
  { selector, attempt, mergedReposts }: TriggerRequest,
): Promise<BuildJob[]> {
  if (remainingMs !== undefined && remainingMs <= 0) throw deadlineFailure('triggering', undefined, state.jobs);
  const summary = `${attempt === 1 ? 'trigger' : `retrigger (attempt ${attempt})`} ${describeSelector(selector)}`;
  try {
    const triggered = await triggerActivity(remainingMs, summary)({ selector });
    if (triggered.searchAttributes) book.upsertSearchAttributes();
    state.triggers += 1;
    return triggered.tokens.map((token) => ({
      token,
      state: 'scheduled',
      attempt,
      ...(mergedReposts ? { mergedReposts } : {}),
    }));
  } catch (error) {
    if (isUnregisteredLocalActivity(error)) throw activitiesMissingFailure(workflowInfo().taskQueue);
    if (config.deadlineMs === undefined || isFinalError(error)) throw error;
    throw deadlineFailure('triggering', error, state.jobs);
  }
}

/** Whether a step's error is one no retry within the deadline could have mended (or a cancellation). */
function isFinalError(error: unknown): boolean {
  if (isCancellation(error)) return true;
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}

/** Sleeps `ms`, or until the deadline if that comes first. */
async function sleepWithin(ms: number, remainingMs: number | undefined): Promise<void> {
  await sleep(remainingMs === undefined ? ms : Math.max(0, Math.min(ms, remainingMs)));
}

/** The result of a build that succeeded. */
function resultOf(state: BuildState): BuildPreAggregationsResult {
  const finishedAtMs = Date.now();
  return {
    outcome: 'succeeded',
    jobs: state.jobs,
    counts: countByState(state.jobs),
    triggers: state.triggers,
    retriggeredJobs: state.retriggered,
    polls: state.polls,
    startedAt: new Date(state.startedAtMs).toISOString(),
    finishedAt: new Date(finishedAtMs).toISOString(),
    durationMs: finishedAtMs - state.startedAtMs,
  };
}

/**
 * The versioning behavior of a build: on a versioned worker (one with a deployment version) it moves to the
 * deployment's current version at its next workflow task (`AUTO_UPGRADE`), whatever the worker's default:
 * a build can wait for hours, and a pinned one would keep the old version's workers running until it ends.
 * Its code stays replay-compatible across versions (the recorded histories under test/histories are
 * replayed by every version), and its wait resumes on the new version's worker from its heartbeat, without
 * posting again. On an unversioned worker it declares nothing: Temporal Server 1.32 rejects a workflow task
 * that names a behavior without versioned deployment options. See docs/deployment.md.
 */
export function buildVersioning(): { versioningBehavior?: 'AUTO_UPGRADE' } {
  return workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {};
}

setWorkflowOptions(buildVersioning, buildPreAggregations);

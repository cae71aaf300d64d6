/**
 * `buildPreAggregations`: trigger a Cube pre-aggregation build once, wait for it durably, trigger
 * again only the jobs that need it, and report every job's outcome.
 *
 * This module runs in Temporal's workflow sandbox: it imports `@temporalio/workflow`, the pure part of
 * core (`@cube-jobs/core/protocol`) and activity *types* only. The pure planning it relies on lives in
 * `retrigger-plan.ts`, `job-records.ts` and `failures.ts`; the two wait modes in `wait-modes.ts`.
 *
 * @module
 */
import {
  countJobStates,
  CubeJobsValidationError,
  SAME_SECOND_BACKOFF_MS,
  summarizeJobs,
  type PreAggregationSelector,
} from '@cube-jobs/core/protocol';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ApplicationFailure,
  ContinueAsNew,
  defineQuery,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { NON_RETRYABLE_FAILURE_TYPES, triggerActivity } from './activity-options.js';
import {
  activitiesMissingFailure,
  buildFailedFailure,
  deadlineFailure,
  invalidInputFailure,
  isUnregisteredLocalActivity,
  waitDeadlineFailure,
} from './failures.js';
import { resolveBuildInput, type ResolvedBuildInput } from './input.js';
import { asJobStatus, mergeJobRecords, unfinishedJobs } from './job-records.js';
import { isMergedRepost, planRetrigger } from './retrigger-plan.js';
import { recordBuildEnd, recordRetriggeredJobs } from './metrics.js';
import { phaseSearchAttributes, selectorSearchAttributes } from './search-attributes.js';
import { describeSelector } from './summaries.js';
import type {
  BuildJob,
  BuildPhase,
  BuildPreAggregationsInput,
  BuildPreAggregationsResult,
  BuildProgress,
  BuildState,
} from './types.js';
import { jobsPolicyOf, waitWithHeartbeats, waitWithTimers, workflowConfirmMs, type WaitContext } from './wait-modes.js';

/** Query: what the build is doing now. */
export const getBuildProgress = defineQuery<BuildProgress>('getBuildProgress');

/** Validates the input, turning a validation error into the workflow's typed failure. */
function resolveInputOrFail(input: BuildPreAggregationsInput): ResolvedBuildInput {
  try {
    return resolveBuildInput(input);
  } catch (error) {
    if (error instanceof CubeJobsValidationError) throw invalidInputFailure(error);
    throw error;
  }
}

/** The state of a fresh build (a continued one resumes from its input's `resume`). */
function freshState(config: ResolvedBuildInput): BuildState {
  return {
    jobs: [],
    triggers: 0,
    retriggered: 0,
    polls: 0,
    startedAtMs: Date.now(),
    ambiguousSinceMs: {},
    pollIntervalMs: config.pollIntervalMs,
    runs: 1,
  };
}

/** Whether a step's error is one no retry within the deadline could have mended (or a cancellation). */
function isFinalError(error: unknown): boolean {
  if (isCancellation(error)) return true;
  const cause = error instanceof Error ? error.cause : undefined;
  return (
    cause instanceof ApplicationFailure &&
    (cause.nonRetryable || NON_RETRYABLE_FAILURE_TYPES.includes(cause.type ?? ''))
  );
}

/**
 * Triggers the builds a selector matches exactly once, waits for them, triggers again only the jobs
 * the policy says to, and returns every job's final status. Fails with a non-retryable
 * `ApplicationFailure` of type `PreAggregationBuildFailedError` listing every failed job.
 */
export async function buildPreAggregations(input: BuildPreAggregationsInput): Promise<BuildPreAggregationsResult> {
  const config = resolveInputOrFail(input);
  const state: BuildState = input.resume ?? freshState(config);
  let phase: BuildPhase = state.triggers === 0 ? 'triggering' : 'waiting';
  /** What the build builds, as search attributes, until the first phase change upserts it with the phase. */
  let selectorAttributes: SearchAttributeUpdatePair[] = [];
  /** Moves to a new phase and, when the build upserts search attributes, tells them (one event per change). */
  const enterPhase = (next: BuildPhase, failedJobs?: number) => {
    phase = next;
    if (next === 'succeeded' || next === 'failed' || next === 'cancelled') {
      const durationMs = Date.now() - state.startedAtMs;
      recordBuildEnd(next, durationMs, state.jobs);
      log.info('Build ended', {
        outcome: next,
        selector: describeSelector(config.selector),
        jobs: state.jobs.length,
        notBuilt: notBuilt(),
        triggers: state.triggers,
        retriggeredJobs: state.retriggered,
        durationMs,
      });
    }
    if (!state.searchAttributes) return;
    upsertSearchAttributes([...selectorAttributes, ...phaseSearchAttributes(next, failedJobs)]);
    selectorAttributes = [];
  };
  /** Jobs that did not build, for the final search attributes. */
  const notBuilt = () => state.jobs.filter((job) => job.state !== 'done').length;
  /** The timeline's "current details": the phase and the jobs' counts (no history cost: read by query). */
  const showDetails = () => {
    const counts = countJobStates(state.jobs.map(asJobStatus));
    const done = `${counts.done}/${state.jobs.length} done${counts.failure ? `, ${counts.failure} failed` : ''}`;
    setCurrentDetails(`${phase}: ${describeSelector(config.selector)} (${done})`);
  };
  setHandler(getBuildProgress, () => ({
    phase,
    waitMode: config.mode,
    counts: countJobStates(state.jobs.map(asJobStatus)),
    jobs: state.jobs.map(({ token, state: jobState, table, attempt }) => ({ token, state: jobState, table, attempt })),
    triggers: state.triggers,
    polls: state.polls,
    elapsedMs: Date.now() - state.startedAtMs,
  }));

  const remainingMs = () =>
    config.deadlineMs === undefined ? undefined : config.deadlineMs - (Date.now() - state.startedAtMs);

  /**
   * Posts a selector, retried within the deadline. When the retries ran out (or the deadline passed) on
   * a transient error, the build fails with the deadline's typed failure; errors that no retry can mend
   * (a bad selector, a missing scope) and cancellation pass through.
   */
  const trigger = async (selector: PreAggregationSelector, attempt: number, mergedReposts = 0): Promise<BuildJob[]> => {
    const left = remainingMs();
    if (left !== undefined && left <= 0) throw deadlineFailure('triggering', undefined, state.jobs);
    let tokens: string[];
    try {
      const summary = `${attempt === 1 ? 'trigger' : `retrigger (attempt ${attempt})`} ${describeSelector(selector)}`;
      const triggered = await triggerActivity(left, summary)({ selector });
      tokens = triggered.tokens;
      if (triggered.searchAttributes && !state.searchAttributes) {
        state.searchAttributes = true;
        selectorAttributes = selectorSearchAttributes(config.selector);
      }
    } catch (error) {
      if (isUnregisteredLocalActivity(error)) throw activitiesMissingFailure(workflowInfo().taskQueue);
      if (remainingMs() === undefined || isFinalError(error)) throw error;
      throw deadlineFailure('triggering', error, state.jobs);
    }
    state.triggers += 1;
    return tokens.map((token) => ({ token, state: 'scheduled', attempt, ...(mergedReposts ? { mergedReposts } : {}) }));
  };

  const waitContext: WaitContext = {
    config,
    state,
    remainingMs,
    update: (records) => {
      state.jobs = mergeJobRecords(state.jobs, records);
    },
    input,
  };

  try {
    showDetails();
    if (state.triggers === 0) {
      state.jobs = await trigger(config.selector, 1);
      log.info('Build triggered', { selector: describeSelector(config.selector), jobs: state.jobs.length });
      enterPhase('waiting');
    }
    showDetails();

    for (;;) {
      const outcome =
        config.mode === 'heartbeat' ? await waitWithHeartbeats(waitContext) : await waitWithTimers(waitContext);
      showDetails();
      const summary = summarizeJobs(state.jobs.map(asJobStatus), {
        policy: jobsPolicyOf(config, workflowConfirmMs(config)),
        ambiguousSinceMs: state.ambiguousSinceMs,
        nowMs: Date.now(),
      });
      if (outcome === 'deadline_exceeded') {
        enterPhase('failed', notBuilt());
        throw waitDeadlineFailure(state.jobs);
      }
      if (summary.outcome === 'succeeded') break;

      const plan = planRetrigger(state.jobs, summary, config);
      if (!plan.proceed) {
        enterPhase('failed', notBuilt());
        throw buildFailedFailure({
          failed: [...plan.hardFailed, ...plan.retrigger],
          exhausted: plan.exhausted.length,
          maxRetriggers: config.maxRetriggers,
          counts: countJobStates(state.jobs.map(asJobStatus)),
        });
      }

      enterPhase('retriggering');
      log.info('Triggering jobs again', {
        jobs: plan.retrigger.length,
        posts: plan.posts.length,
        mergedIntoUnknownBuilds: plan.retrigger.filter(isMergedRepost).length,
        backoffMs: plan.backoffMs,
      });
      // Cube merged every one of them into a build nobody here knows: give that build time to finish.
      if (plan.backoffMs > 0) {
        const left = remainingMs();
        await sleep(left === undefined ? plan.backoffMs : Math.max(0, Math.min(plan.backoffMs, left)));
      }
      // A table is named after its build time in whole seconds: let the clock move past the collision.
      // Jitter (Math.random is deterministic in workflows) keeps concurrent builds from colliding again in step.
      if (plan.collided) await sleep(SAME_SECOND_BACKOFF_MS + Math.floor(Math.random() * 2000));
      const fresh = await Promise.all(
        plan.posts.map((post) => trigger(post.selector, post.attempt, post.mergedReposts)),
      );
      const replaced = new Set(plan.retrigger.map((job) => job.token));
      state.retriggered += plan.retrigger.length;
      recordRetriggeredJobs(plan.retrigger.length);
      for (const token of replaced) delete state.ambiguousSinceMs[token];
      state.jobs = [...state.jobs.filter((job) => !replaced.has(job.token)), ...fresh.flat()];
      enterPhase('waiting');
    }
  } catch (error) {
    if (isCancellation(error)) {
      enterPhase('cancelled', notBuilt());
      // Cube's jobs API cannot cancel a build: report what keeps running there.
      log.warn('Build cancelled; Cube keeps building the unfinished jobs', {
        unfinished: unfinishedJobs(state.jobs).map((job) => job.table ?? job.token),
      });
    } else if ((phase as BuildPhase) !== 'failed' && !(error instanceof ContinueAsNew)) {
      enterPhase('failed', notBuilt());
    }
    throw error;
  }

  enterPhase('succeeded', 0);
  showDetails();
  const finishedAtMs = Date.now();
  return {
    outcome: 'succeeded',
    jobs: state.jobs,
    counts: countJobStates(state.jobs.map(asJobStatus)),
    triggers: state.triggers,
    retriggeredJobs: state.retriggered,
    polls: state.polls,
    runs: state.runs,
    startedAt: new Date(state.startedAtMs).toISOString(),
    finishedAt: new Date(finishedAtMs).toISOString(),
    durationMs: finishedAtMs - state.startedAtMs,
  };
}

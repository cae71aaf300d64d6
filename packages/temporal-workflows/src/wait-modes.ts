/**
 * The two ways a build waits for its jobs. Heartbeat mode hands the wait to one long activity that
 * polls and heartbeats; timer mode sleeps on durable timers and polls with short activities, continuing
 * as new before its history grows large. Both update the build's state and return how the wait ended.
 *
 * Workflow-safe: imports `@temporalio/workflow`, core's protocol entry and activity *types* only.
 *
 * @module
 */
import {
  isAmbiguousState,
  isSettledJob,
  nextPollIntervalMs,
  summarizeJobs,
  type JobsPolicy,
  type PollScheduleOptions,
} from '@cube-jobs/core/protocol';
import type { JobRecord, WaitForPreAggregationJobsResult } from '@cube-jobs/temporal-activities';
import { continueAsNew, isCancellation, patched, sleep, workflowInfo } from '@temporalio/workflow';
import { statusPollActivity, waitingActivity } from './activity-options.js';
import type { ResolvedBuildInput } from './input.js';
import { asJobStatus } from './job-records.js';
import { recordDetectionLatency } from './metrics.js';
import type { BuildJob, BuildPreAggregationsInput, BuildState, BuildWorkflow } from './types.js';

/** How a wait ended. */
export type WaitModeOutcome = WaitForPreAggregationJobsResult['outcome'];

/**
 * The poll schedule of the input, as core's wait loop and `nextPollIntervalMs` take it: one object, so
 * no option is dropped on the way (heartbeat mode once left `pollLatencyFraction` behind).
 */
export const pollScheduleOf = (
  config: ResolvedBuildInput,
): Required<Omit<PollScheduleOptions, 'pollBackoffFactor'>> => ({
  initialPollIntervalMs: config.pollIntervalMs,
  maxPollIntervalMs: config.maxPollIntervalMs,
  pollLatencyFraction: config.pollLatencyFraction,
});

/** The policy for ambiguous jobs, as core's status functions take it. */
export const jobsPolicyOf = (config: ResolvedBuildInput, ambiguousConfirmMs: number): JobsPolicy => ({
  onMissingPartition: config.onMissingPartition,
  onNotFound: config.onNotFound,
  ambiguousGraceMs: config.ambiguousGraceMs,
  ambiguousConfirmMs,
});

/**
 * Runs recorded before timer mode confirmed ambiguous jobs with a later poll acted on their first
 * sighting; they replay without the confirmation.
 */
const CONFIRM_AMBIGUOUS_JOBS_PATCH = 'confirm-ambiguous-jobs';

/**
 * The confirmation period the workflow itself applies. In heartbeat mode the wait activity confirms
 * ambiguous jobs before it returns, so the workflow takes its word (and history stays as it was); in
 * timer mode the workflow polls, so it confirms them, behind {@link CONFIRM_AMBIGUOUS_JOBS_PATCH}.
 */
export const workflowConfirmMs = (config: ResolvedBuildInput): number =>
  config.mode === 'timer' && patched(CONFIRM_AMBIGUOUS_JOBS_PATCH) ? config.ambiguousConfirmMs : 0;

/**
 * Whether a job must be polled again, as of the poll that last saw it (workflow time right after a
 * poll's result is that poll's time).
 */
const isActive = (job: BuildJob, policy: JobsPolicy, state: BuildState) =>
  !isSettledJob(job, policy, state.ambiguousSinceMs[job.token], Date.now());

/** What a wait mode needs from the build. */
export interface WaitContext {
  readonly config: ResolvedBuildInput;
  readonly state: BuildState;
  /** Time left before the deadline, or undefined without one. */
  readonly remainingMs: () => number | undefined;
  /** Applies fresh job records to the build's state. */
  readonly update: (records: readonly JobRecord[]) => void;
  /** The run's input, for continue-as-new. */
  readonly input: BuildPreAggregationsInput;
}

/** Heartbeat mode: one long activity polls until the active jobs settle. */
export async function waitWithHeartbeats({
  config,
  state,
  remainingMs,
  update,
}: WaitContext): Promise<WaitModeOutcome> {
  const remaining = remainingMs();
  // Ambiguous jobs the activity returned are confirmed already (see workflowConfirmMs).
  const confirmed = jobsPolicyOf(config, 0);
  const tokens = state.jobs.filter((job) => isActive(job, confirmed, state)).map((job) => job.token);
  if (tokens.length === 0) return 'succeeded';
  if (remaining !== undefined && remaining <= 0) return 'deadline_exceeded';
  const result = await waitingActivity(
    config.heartbeatTimeoutMs,
    remaining,
    `wait for ${tokens.length} job(s)`,
  )({
    tokens,
    policy: jobsPolicyOf(config, config.ambiguousConfirmMs),
    failFast: config.failFast,
    deadlineMs: remaining,
    schedule: pollScheduleOf(config),
  });
  state.polls += result.polls;
  state.ambiguousSinceMs = { ...result.ambiguousSinceMs };
  update(result.jobs);
  return result.outcome;
}

/**
 * Records one timer-mode poll: when each returned job was first seen ambiguous, and which polled jobs
 * that were ambiguous came back running (only settled statuses are returned, so a polled ambiguous job
 * that is not among them is running again, e.g. the identical build Cube merged it into has started).
 */
function recordSettledPoll(
  state: BuildState,
  polled: readonly string[],
  settled: readonly JobRecord[],
  nowMs: number,
): JobRecord[] {
  for (const job of settled) {
    if (isAmbiguousState(job.state)) state.ambiguousSinceMs[job.token] ??= nowMs;
    else delete state.ambiguousSinceMs[job.token];
  }
  const returned = new Set(settled.map((job) => job.token));
  const polledTokens = new Set(polled);
  const runningAgain: JobRecord[] = [];
  for (const job of state.jobs) {
    if (isAmbiguousState(job.state) && polledTokens.has(job.token) && !returned.has(job.token)) {
      delete state.ambiguousSinceMs[job.token];
      runningAgain.push({ token: job.token, state: 'processing' });
    }
  }
  return [...settled, ...runningAgain];
}

/** Timer mode: durable sleeps and one short status activity per poll; continues as new before history grows large. */
export async function waitWithTimers({
  config,
  state,
  remainingMs,
  update,
  input,
}: WaitContext): Promise<WaitModeOutcome> {
  const policy = jobsPolicyOf(config, workflowConfirmMs(config));
  let previousPollAtMs = Date.now();
  for (;;) {
    const tokens = state.jobs.filter((job) => isActive(job, policy, state)).map((job) => job.token);
    if (tokens.length === 0) return 'succeeded';
    const remaining = remainingMs();
    if (remaining !== undefined && remaining <= 0) return 'deadline_exceeded';
    await sleep(remaining === undefined ? state.pollIntervalMs : Math.min(state.pollIntervalMs, remaining));
    let jobs: JobRecord[];
    try {
      ({ jobs } = await statusPollActivity(
        remainingMs(),
        `poll ${tokens.length} job(s)`,
      )({ tokens, onlySettled: true }));
    } catch (error) {
      // Retried until the deadline: past it, the build ends with the deadline's failure.
      const left = remainingMs();
      if (left !== undefined && left <= 0 && !isCancellation(error)) return 'deadline_exceeded';
      throw error;
    }
    state.polls += 1;
    const now = Date.now();
    recordDetectionLatency(
      jobs.filter((job) => job.state === 'done' || job.state === 'failure').map(() => now - previousPollAtMs),
    );
    previousPollAtMs = now;
    update(recordSettledPoll(state, tokens, jobs, now));
    state.pollIntervalMs = nextPollIntervalMs(state.pollIntervalMs, now - state.startedAtMs, pollScheduleOf(config));
    const summary = summarizeJobs(state.jobs.map(asJobStatus), {
      policy,
      ambiguousSinceMs: state.ambiguousSinceMs,
      nowMs: now,
    });
    if (
      summary.outcome !== 'running' &&
      (summary.outcome !== 'failed' || config.failFast || summary.pending.length === 0)
    ) {
      return summary.outcome === 'succeeded' ? 'succeeded' : summary.outcome === 'failed' ? 'failed' : 'retrigger';
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= config.maxHistoryEvents) {
      await continueAsNew<BuildWorkflow>({ ...input, resume: { ...state, runs: state.runs + 1 } });
    }
  }
}

/**
 * `buildPreAggregations`: trigger a Cube pre-aggregation build once, wait for it durably, trigger
 * again only the jobs that need it, and report every job's outcome.
 *
 * This module runs in Temporal's workflow sandbox: it imports `@temporalio/workflow`, the pure part of
 * core (`@cube-jobs/core/protocol`) and activity *types* only.
 *
 * @module
 */
import {
  CubeJobsValidationError,
  countJobStates,
  isAmbiguousState,
  isFinalState,
  isSettledJob,
  nextPollIntervalMs,
  summarizeJobs,
  type JobStatus,
  type JobsPolicy,
  type PreAggregationSelector,
} from '@cube-jobs/core/protocol';
import type { CubeJobsActivities, JobRecord, WaitForPreAggregationJobsResult } from '@cube-jobs/temporal-activities';
import {
  ActivityCancellationType,
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { resolveBuildInput, type ResolvedBuildInput } from './input.js';
import {
  BUILD_FAILURE_TYPES,
  type BuildJob,
  type BuildPhase,
  type BuildPreAggregationsInput,
  type BuildPreAggregationsResult,
  type BuildProgress,
  type BuildState,
} from './types.js';

/** Query: what the build is doing now. */
export const getBuildProgress = defineQuery<BuildProgress>('getBuildProgress');

/**
 * Activity failure types that are never worth retrying. Others carry their own `nonRetryable` flag
 * (a 400 is final, except the transient database errors the client recognises).
 */
const NON_RETRYABLE = [
  'CubeJobsValidationError',
  'CubeJobsConfigError',
  'CubeJobsSelectorError',
  'CubeJobsAuthError',
  'CubeJobsMissingScopeError',
  'CubeJobsProtocolError',
];

/**
 * Cube names a partition's table after its build time in whole seconds, so two builds of one partition
 * planned in the same second collide: the second reports `failure: … already exists` although the
 * table was built (by the first). Such jobs are triggered again, a second later, whatever `onFailure` says.
 */
function isSameSecondCollision(job: BuildJob): boolean {
  return job.state === 'failure' && /already exists/i.test(statusOf(job));
}
const SAME_SECOND_BACKOFF_MS = 1100;

/** The trigger's backoff between attempts: 1 s, doubling, at most 10 s. */
const TRIGGER_RETRY = { initialMs: 1000, coefficient: 2, maxMs: 10_000 } as const;

/**
 * How many trigger attempts start within `budgetMs` with {@link TRIGGER_RETRY}'s backoff. The SDK (1.24)
 * does not end a local activity's retries at its `scheduleToCloseTimeout` while it backs off (and its
 * timer task panics when it fires after a retry), so the deadline is turned into an attempt count.
 */
function triggerAttemptsWithin(budgetMs: number): number {
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
 * The trigger runs as a local activity: its result (the tokens) is recorded as one marker event in the
 * workflow task that ran it, instead of three activity events and a workflow task of their own. With a
 * deadline it is tried again for as long as the deadline allows (Cube may be briefly unreachable when
 * the build starts); without one, ten times (about a minute).
 */
function triggerActivity(remainingMs: number | undefined) {
  return proxyLocalActivities<CubeJobsActivities>({
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: TRIGGER_RETRY.initialMs,
      maximumInterval: TRIGGER_RETRY.maxMs,
      backoffCoefficient: TRIGGER_RETRY.coefficient,
      maximumAttempts: remainingMs === undefined ? 10 : triggerAttemptsWithin(remainingMs),
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  }).triggerPreAggregationBuild;
}

/** Short activities (timer mode's status polls), tried again until the deadline if there is one. */
function shortActivities(remainingMs: number | undefined) {
  return proxyActivities<CubeJobsActivities>({
    startToCloseTimeout: '2 minutes',
    ...(remainingMs === undefined ? {} : { scheduleToCloseTimeout: Math.max(1, remainingMs) }),
    retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2, nonRetryableErrorTypes: NON_RETRYABLE },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
}

function waitingActivity(config: ResolvedBuildInput, remainingMs: number | undefined) {
  // The activity bounds the wait itself (deadline); startToClose only has to outlast it.
  const budgetMs = (remainingMs ?? 25 * 3_600_000) + 5 * 60_000;
  return proxyActivities<CubeJobsActivities>({
    startToCloseTimeout: budgetMs,
    heartbeatTimeout: config.heartbeatTimeoutMs,
    retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2, nonRetryableErrorTypes: NON_RETRYABLE },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  }).waitForPreAggregationJobs;
}

/** The policy for ambiguous jobs, as core's status functions take it. */
const jobsPolicyOf = (config: ResolvedBuildInput, ambiguousConfirmMs: number): JobsPolicy => ({
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
const workflowConfirmMs = (config: ResolvedBuildInput): number =>
  config.mode === 'timer' && patched(CONFIRM_AMBIGUOUS_JOBS_PATCH) ? config.ambiguousConfirmMs : 0;

/**
 * Whether a job must be polled again, as of the poll that last saw it (workflow time right after a
 * poll's result is that poll's time).
 */
const isActive = (job: BuildJob, policy: JobsPolicy, state: BuildState) =>
  !isSettledJob(job, policy, state.ambiguousSinceMs[job.token], Date.now());

/** Cube's status string of a job (records leave it out when it equals the state). */
const statusOf = (job: JobRecord): string => job.status ?? job.state;

function asStatus(job: JobRecord): JobStatus {
  const raw = statusOf(job);
  return { token: job.token, raw, state: job.state, table: job.table, ...(job.state === 'failure' ? { message: raw.replace(/^failure:?\s*/, '') } : {}) } as JobStatus;
}

/** The narrowest selector that builds a job again: its pre-aggregation, context, time zone and partition. */
function narrowSelector(job: BuildJob, original: PreAggregationSelector): PreAggregationSelector {
  const target = job.target;
  if (!target) return original;
  const context =
    target.securityContext !== undefined && target.securityContext !== null && typeof target.securityContext === 'object'
      ? { securityContext: target.securityContext as Record<string, unknown> }
      : undefined;
  const partition = target.partitionStart;
  const dateRange = partition ? ([partition, partition] as [string, string]) : original.dateRange;
  return {
    contexts: context ? [context] : original.contexts,
    timezones: target.timezone ? [target.timezone] : original.timezones,
    preAggregations: [target.preAggregation],
    ...(dateRange ? { dateRange } : {}),
  };
}

/** JSON with sorted keys, so equal selectors compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function describe(jobs: readonly BuildJob[]): string {
  // First line of each status only: database errors can span several lines (the details keep them whole).
  const shown = jobs.slice(0, 20).map((job) => `${job.table ?? job.target?.preAggregation ?? job.token} (${statusOf(job).split('\n')[0]})`);
  return shown.join('; ') + (jobs.length > 20 ? `; and ${jobs.length - 20} more` : '');
}

/**
 * Triggers the builds a selector matches exactly once, waits for them, triggers again only the jobs
 * the policy says to, and returns every job's final status. Fails with a non-retryable
 * `ApplicationFailure` of type `PreAggregationBuildFailedError` listing every failed job.
 */
export async function buildPreAggregations(input: BuildPreAggregationsInput): Promise<BuildPreAggregationsResult> {
  let config: ResolvedBuildInput;
  try {
    config = resolveBuildInput(input);
  } catch (error) {
    if (error instanceof CubeJobsValidationError) {
      throw ApplicationFailure.nonRetryable(error.message, BUILD_FAILURE_TYPES.invalidInput, { issues: error.issues });
    }
    throw error;
  }
  const state: BuildState = input.resume ?? {
    jobs: [],
    triggers: 0,
    retriggered: 0,
    polls: 0,
    startedAtMs: Date.now(),
    ambiguousSinceMs: {},
    pollIntervalMs: config.pollIntervalMs,
    runs: 1,
  };
  let phase: BuildPhase = state.triggers === 0 ? 'triggering' : 'waiting';
  setHandler(getBuildProgress, () => ({
    phase,
    waitMode: config.mode,
    counts: countJobStates(state.jobs.map(asStatus)),
    jobs: state.jobs.map(({ token, state: jobState, table, attempt }) => ({ token, state: jobState, table, attempt })),
    triggers: state.triggers,
    polls: state.polls,
    elapsedMs: Date.now() - state.startedAtMs,
  }));

  const remainingMs = () => (config.deadlineMs === undefined ? undefined : config.deadlineMs - (Date.now() - state.startedAtMs));

  /**
   * Runs a step that is retried within the deadline. When its retries ran out (or the deadline passed)
   * on a transient error, the build fails with the deadline's typed failure; errors that no retry can
   * mend (a bad selector, a missing scope) and cancellation pass through.
   */
  const beforeDeadline = async <T>(doing: string, step: () => Promise<T>): Promise<T> => {
    const left = remainingMs();
    if (left !== undefined && left <= 0) throw deadlineFailure(doing, undefined);
    try {
      return await step();
    } catch (error) {
      if (remainingMs() === undefined || isCancellation(error)) throw error;
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof ApplicationFailure && (cause.nonRetryable || NON_RETRYABLE.includes(cause.type ?? ''))) throw error;
      throw deadlineFailure(doing, error);
    }
  };
  const deadlineFailure = (doing: string, cause: unknown) => {
    const pending = state.jobs.filter((job) => !isFinalState(job.state));
    const last = cause instanceof Error ? ` (last error: ${(cause.cause instanceof Error ? cause.cause : cause).message})` : '';
    return ApplicationFailure.nonRetryable(
      `The deadline passed while ${doing}${last}; ${pending.length} pre-aggregation job(s) unfinished${pending.length > 0 ? `: ${describe(pending)}` : ''}`,
      BUILD_FAILURE_TYPES.deadline,
      { pendingJobs: pending },
    );
  };

  const trigger = async (selector: PreAggregationSelector, attempt: number): Promise<BuildJob[]> => {
    const { tokens } = await beforeDeadline('triggering', () => triggerActivity(remainingMs())({ selector }));
    state.triggers += 1;
    return tokens.map((token) => ({ token, state: 'scheduled', attempt }));
  };

  const update = (records: readonly JobRecord[]) => {
    const byToken = new Map(records.map((record) => [record.token, record]));
    state.jobs = state.jobs.map((job) => {
      const record = byToken.get(job.token);
      // Keep what Cube said before when it forgets a job (not_found has no table or selector).
      return record ? { ...job, ...record, table: record.table ?? job.table, target: record.target ?? job.target } : job;
    });
  };

  try {
    if (state.triggers === 0) state.jobs = await trigger(config.selector, 1);
    phase = 'waiting';

    for (;;) {
      const outcome = config.mode === 'heartbeat' ? await waitWithHeartbeats(config, state, remainingMs(), update) : await waitWithTimers(config, state, remainingMs, update, input);
      const summary = summarizeJobs(state.jobs.map(asStatus), {
        policy: jobsPolicyOf(config, workflowConfirmMs(config)),
        ambiguousSinceMs: state.ambiguousSinceMs,
        nowMs: Date.now(),
      });

      if (outcome === 'deadline_exceeded') {
        const pending = state.jobs.filter((job) => !isFinalState(job.state));
        phase = 'failed';
        throw ApplicationFailure.nonRetryable(
          `${pending.length} pre-aggregation job(s) still unfinished at the deadline: ${describe(pending)}`,
          BUILD_FAILURE_TYPES.deadline,
          { pendingJobs: pending },
        );
      }
      if (summary.outcome === 'succeeded') break;

      const failedTokens = new Set(summary.failed.map((j) => j.token));
      const toRetrigger = state.jobs.filter(
        (job) =>
          summary.retrigger.some((j) => j.token === job.token) ||
          (job.state === 'failure' && failedTokens.has(job.token) && (config.onFailure === 'retrigger' || isSameSecondCollision(job))),
      );
      const hardFailed = state.jobs.filter((job) => failedTokens.has(job.token) && !toRetrigger.includes(job));
      // Each job may be triggered again at most maxRetriggers times.
      const exhausted = toRetrigger.filter((job) => job.attempt > config.maxRetriggers);

      if (hardFailed.length === 0 && exhausted.length === 0 && toRetrigger.length > 0) {
        phase = 'retriggering';
        const groups = new Map<string, { selector: PreAggregationSelector; jobs: BuildJob[] }>();
        for (const job of toRetrigger) {
          const selector = narrowSelector(job, config.selector);
          const key = canonical(selector);
          groups.set(key, { selector, jobs: [...(groups.get(key)?.jobs ?? []), job] });
        }
        log.info('Triggering jobs again', { jobs: toRetrigger.length, posts: groups.size });
        // A table is named after its build time in whole seconds: let the clock move past the collision.
        // Jitter (Math.random is deterministic in workflows) keeps concurrent builds from colliding again in step.
        if (toRetrigger.some(isSameSecondCollision)) await sleep(SAME_SECOND_BACKOFF_MS + Math.floor(Math.random() * 2000));
        const replaced = new Set(toRetrigger.map((job) => job.token));
        const fresh = await Promise.all(
          [...groups.values()].map(({ selector, jobs }) => trigger(selector, Math.max(...jobs.map((j) => j.attempt)) + 1)),
        );
        state.retriggered += toRetrigger.length;
        for (const token of replaced) delete state.ambiguousSinceMs[token];
        state.jobs = [...state.jobs.filter((job) => !replaced.has(job.token)), ...fresh.flat()];
        phase = 'waiting';
        continue;
      }

      const failed = [...hardFailed, ...toRetrigger];
      phase = 'failed';
      const reason = exhausted.length > 0 ? ` (${exhausted.length} triggered again ${config.maxRetriggers} time(s) already)` : '';
      throw ApplicationFailure.nonRetryable(
        `${failed.length} pre-aggregation job(s) failed${reason}: ${describe(failed)}`,
        BUILD_FAILURE_TYPES.buildFailed,
        { failedJobs: failed, counts: countJobStates(state.jobs.map(asStatus)) },
      );
    }
  } catch (error) {
    if (isCancellation(error)) {
      phase = 'cancelled';
      const unfinished = state.jobs.filter((job) => !isFinalState(job.state));
      // Cube's jobs API cannot cancel a build: report what keeps running there.
      log.warn('Build cancelled; Cube keeps building the unfinished jobs', { unfinished: unfinished.map((j) => j.table ?? j.token) });
    }
    throw error;
  }

  phase = 'succeeded';
  const finishedAtMs = Date.now();
  return {
    outcome: 'succeeded',
    jobs: state.jobs,
    counts: countJobStates(state.jobs.map(asStatus)),
    triggers: state.triggers,
    retriggeredJobs: state.retriggered,
    polls: state.polls,
    runs: state.runs,
    startedAt: new Date(state.startedAtMs).toISOString(),
    finishedAt: new Date(finishedAtMs).toISOString(),
    durationMs: finishedAtMs - state.startedAtMs,
  };
}

/** Heartbeat mode: one long activity polls until the active jobs settle. */
async function waitWithHeartbeats(
  config: ResolvedBuildInput,
  state: BuildState,
  remainingMs: number | undefined,
  update: (records: readonly JobRecord[]) => void,
): Promise<WaitForPreAggregationJobsResult['outcome']> {
  // Ambiguous jobs the activity returned are confirmed already (see workflowConfirmMs).
  const confirmed = jobsPolicyOf(config, 0);
  const tokens = state.jobs.filter((job) => isActive(job, confirmed, state)).map((job) => job.token);
  if (tokens.length === 0) return 'succeeded';
  if (remainingMs !== undefined && remainingMs <= 0) return 'deadline_exceeded';
  const result = await waitingActivity(config, remainingMs)({
    tokens,
    policy: jobsPolicyOf(config, config.ambiguousConfirmMs),
    failFast: config.failFast,
    deadlineMs: remainingMs,
    initialPollIntervalMs: config.pollIntervalMs,
    maxPollIntervalMs: config.maxPollIntervalMs,
    pollLatencyFraction: config.pollLatencyFraction,
  });
  state.polls += result.polls;
  state.ambiguousSinceMs = { ...result.ambiguousSinceMs };
  update(result.jobs);
  return result.outcome;
}

/** Timer mode: durable sleeps and one short status activity per poll; continues as new before history grows large. */
async function waitWithTimers(
  config: ResolvedBuildInput,
  state: BuildState,
  remainingMs: () => number | undefined,
  update: (records: readonly JobRecord[]) => void,
  input: BuildPreAggregationsInput,
): Promise<WaitForPreAggregationJobsResult['outcome']> {
  const policy = jobsPolicyOf(config, workflowConfirmMs(config));
  for (;;) {
    const tokens = state.jobs.filter((job) => isActive(job, policy, state)).map((job) => job.token);
    if (tokens.length === 0) return 'succeeded';
    const remaining = remainingMs();
    if (remaining !== undefined && remaining <= 0) return 'deadline_exceeded';
    await sleep(remaining === undefined ? state.pollIntervalMs : Math.min(state.pollIntervalMs, remaining));
    let jobs: JobRecord[];
    try {
      ({ jobs } = await shortActivities(remainingMs()).getPreAggregationJobStatuses({ tokens, onlySettled: true }));
    } catch (error) {
      // Retried until the deadline: past it, the build ends with the deadline's failure.
      const left = remainingMs();
      if (left !== undefined && left <= 0 && !isCancellation(error)) return 'deadline_exceeded';
      throw error;
    }
    state.polls += 1;
    const now = Date.now();
    for (const job of jobs) {
      if (isAmbiguousState(job.state)) state.ambiguousSinceMs[job.token] ??= now;
      else delete state.ambiguousSinceMs[job.token];
    }
    // Only settled statuses come back: a polled job that was ambiguous and is not among them is running
    // again (e.g. the identical build Cube merged it into has started).
    const returned = new Set(jobs.map((job) => job.token));
    const polled = new Set(tokens);
    const runningAgain: JobRecord[] = [];
    for (const job of state.jobs) {
      if (isAmbiguousState(job.state) && polled.has(job.token) && !returned.has(job.token)) {
        delete state.ambiguousSinceMs[job.token];
        runningAgain.push({ token: job.token, state: 'processing' });
      }
    }
    update([...jobs, ...runningAgain]);
    state.pollIntervalMs = nextPollIntervalMs(state.pollIntervalMs, now - state.startedAtMs, {
      initialPollIntervalMs: config.pollIntervalMs,
      maxPollIntervalMs: config.maxPollIntervalMs,
      pollLatencyFraction: config.pollLatencyFraction,
    });
    const summary = summarizeJobs(state.jobs.map(asStatus), { policy, ambiguousSinceMs: state.ambiguousSinceMs, nowMs: now });
    if (summary.outcome !== 'running' && (summary.outcome !== 'failed' || config.failFast || summary.pending.length === 0)) {
      return summary.outcome === 'succeeded' ? 'succeeded' : summary.outcome === 'failed' ? 'failed' : 'retrigger';
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= config.maxHistoryEvents) {
      await continueAsNew<typeof buildPreAggregations>({ ...input, resume: { ...state, runs: state.runs + 1 } });
    }
  }
}

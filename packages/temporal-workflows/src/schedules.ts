/**
 * Rebuild on a calendar: a Temporal Schedule that starts `buildPreAggregations` for a selector (what
 * Cube's own `scheduledRefresh` does, owned by your orchestrator), and helpers to describe, pause, resume
 * and delete it. Node side.
 *
 * @module
 */
import {
  CubeJobsValidationError,
  isIanaTimeZone,
  parseSelector,
  type PreAggregationSelectorInput,
  type ValidationIssue,
} from '@cube-jobs/core/protocol';
import type { Client, ScheduleDescription, ScheduleHandle, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { buildPreAggregations } from './build-workflow.js';
import { describeSelector } from './summaries.js';
import {
  CUBE_JOBS_TASK_QUEUE,
  type BuildPolicy,
  type BuildPreAggregationsInput,
  type BuildWaitOptions,
} from './types.js';

/** When a schedule fires: cron expressions and/or fixed intervals, in a time zone. */
export interface BuildScheduleSpec {
  /** Cron expressions, e.g. `'0 3 * * *'` (03:00 every day). */
  readonly cron?: string | readonly string[];
  /** Fixed intervals, e.g. `'6h'`. */
  readonly every?: Duration | readonly Duration[];
  /** IANA time zone the cron expressions are read in. @default 'UTC' */
  readonly timezone?: string;
  /** Random delay up to this long before each run, so many schedules do not fire at once. */
  readonly jitter?: Duration;
}

/** Options of {@link createBuildSchedule}. */
export interface BuildScheduleOptions {
  /** The schedule's id; its runs get workflow ids `<scheduleId>-<time>`. */
  readonly scheduleId: string;
  /** What every run builds (recorded in history: no secrets in security contexts). */
  readonly selector: PreAggregationSelectorInput;
  readonly spec: BuildScheduleSpec;
  /** @default {@link CUBE_JOBS_TASK_QUEUE} */
  readonly taskQueue?: string;
  /** What to do when a run is due while the previous one still builds. @default 'SKIP' */
  readonly overlap?: ScheduleOverlapPolicy;
  /** Runs missed while Temporal was unavailable are taken if they are at most this late. @default '1 hour' */
  readonly catchupWindow?: Duration;
  /** How each build waits. */
  readonly wait?: BuildWaitOptions;
  /** What each build does when jobs do not succeed. */
  readonly policy?: BuildPolicy;
  /** Create it paused. @default false */
  readonly paused?: boolean;
  /** A note shown with the schedule (e.g. why it is paused). */
  readonly note?: string;
}

/** A schedule's state, in the terms of this module. */
export interface BuildScheduleDescription {
  readonly scheduleId: string;
  readonly paused: boolean;
  readonly note: string | undefined;
  /** The selector its runs build. */
  readonly selector: BuildPreAggregationsInput['selector'] | undefined;
  readonly overlap: ScheduleOverlapPolicy;
  /** The next few times it fires. */
  readonly nextRuns: Date[];
  /** Recent runs: when they were due and their workflow ids. */
  readonly recentRuns: ReadonlyArray<{ readonly scheduledAt: Date; readonly workflowId: string }>;
  /** Workflow ids of runs still building. */
  readonly runningWorkflowIds: string[];
  /** Runs skipped because the previous one still built (overlap policy). */
  readonly skippedOverlap: number;
  /** Runs started so far. */
  readonly runs: number;
}

const asList = <T>(value: T | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...(value as readonly T[])] : [value as T];

/** Validates a schedule's spec and selector, naming each bad field. */
function validate(options: BuildScheduleOptions) {
  const issues: ValidationIssue[] = [];
  if (!/^[\w.:/-]{1,200}$/.test(options.scheduleId)) {
    issues.push({ path: 'scheduleId', message: 'must be 1-200 letters, digits or . _ : / -' });
  }
  if (asList(options.spec.cron).length === 0 && asList(options.spec.every).length === 0) {
    issues.push({ path: 'spec', message: 'needs `cron` or `every`' });
  }
  if (options.spec.timezone !== undefined && !isIanaTimeZone(options.spec.timezone)) {
    issues.push({
      path: 'spec.timezone',
      message: `must be an IANA time zone such as "Europe/Berlin", got "${options.spec.timezone}"`,
    });
  }
  let selector: BuildPreAggregationsInput['selector'] | undefined;
  try {
    selector = parseSelector(options.selector);
  } catch (error) {
    if (!(error instanceof CubeJobsValidationError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0 || !selector) throw new CubeJobsValidationError('build schedule', issues);
  return selector;
}

/** The schedule's action and policies from the options. */
function scheduleBody(options: BuildScheduleOptions) {
  const selector = validate(options);
  const input: BuildPreAggregationsInput = {
    selector,
    ...(options.wait ? { wait: options.wait } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
  };
  return {
    spec: {
      cronExpressions: asList(options.spec.cron),
      intervals: asList(options.spec.every).map((every) => ({ every })),
      timezone: options.spec.timezone ?? 'UTC',
      ...(options.spec.jitter === undefined ? {} : { jitter: options.spec.jitter }),
    },
    action: {
      type: 'startWorkflow' as const,
      workflowType: buildPreAggregations,
      taskQueue: options.taskQueue ?? CUBE_JOBS_TASK_QUEUE,
      workflowId: options.scheduleId,
      args: [input] as [BuildPreAggregationsInput],
      staticSummary: `scheduled build (${options.scheduleId}): ${describeSelector(selector)}`,
      memo: { selector: describeSelector(selector) },
    },
    policies: { overlap: options.overlap ?? 'SKIP', catchupWindow: options.catchupWindow ?? '1 hour' },
  };
}

/**
 * Creates a schedule that starts `buildPreAggregations` for a selector. Validates everything first and
 * throws `CubeJobsValidationError` naming each bad field.
 *
 * @example
 * ```ts
 * await createBuildSchedule(client, {
 *   scheduleId: 'orders-nightly',
 *   selector: { contexts: [{ securityContext: {} }], timezones: ['UTC'], cubes: ['orders'] },
 *   spec: { cron: '0 3 * * *', timezone: 'Europe/Berlin', jitter: '5m' },
 * });
 * ```
 */
export async function createBuildSchedule(client: Client, options: BuildScheduleOptions): Promise<ScheduleHandle> {
  const body = scheduleBody(options);
  return client.schedule.create({
    scheduleId: options.scheduleId,
    ...body,
    state: { paused: options.paused ?? false, ...(options.note === undefined ? {} : { note: options.note }) },
  });
}

/** Replaces a schedule's selector, spec and policies (its paused state stays). */
export async function updateBuildSchedule(client: Client, options: BuildScheduleOptions): Promise<void> {
  const body = scheduleBody(options);
  await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, ...body }));
}

/** Describes a schedule: paused, next and recent runs, runs skipped by the overlap policy. */
export async function describeBuildSchedule(client: Client, scheduleId: string): Promise<BuildScheduleDescription> {
  return summarize(await client.schedule.getHandle(scheduleId).describe());
}

/** The description's parts this module reports. */
function summarize(description: ScheduleDescription): BuildScheduleDescription {
  const action = description.action;
  const args = action.type === 'startWorkflow' ? (action.args as unknown[] | undefined) : undefined;
  const input = args?.[0] as BuildPreAggregationsInput | undefined;
  return {
    scheduleId: description.scheduleId,
    paused: description.state.paused,
    note: description.state.note,
    selector: input?.selector,
    overlap: description.policies.overlap,
    nextRuns: description.info.nextActionTimes,
    recentRuns: description.info.recentActions.map((run) => ({
      scheduledAt: run.scheduledAt,
      workflowId: run.action.workflow.workflowId,
    })),
    runningWorkflowIds: description.info.runningActions.map((run) => run.workflow.workflowId),
    skippedOverlap: description.info.numActionsSkippedOverlap,
    runs: description.info.numActionsTaken,
  };
}

/** Pauses a schedule (running builds go on); `note` says why. */
export async function pauseBuildSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).pause(note);
}

/** Resumes a paused schedule. */
export async function unpauseBuildSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).unpause(note);
}

/** Deletes a schedule (running builds go on). */
export async function deleteBuildSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete();
}

/** Ids of the schedules that start `buildPreAggregations`. */
export async function listBuildSchedules(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const schedule of client.schedule.list()) {
    if (schedule.action?.type === 'startWorkflow' && schedule.action.workflowType === 'buildPreAggregations') {
      ids.push(schedule.scheduleId);
    }
  }
  return ids.sort();
}

/**
 * Rebuild on a calendar: a Temporal Schedule that starts `buildPreAggregations` for a selector (what
 * Cube's own `scheduledRefresh` does, owned by your orchestrator). The rest is Temporal's own API: the
 * returned `ScheduleHandle` pauses, unpauses, describes, triggers and deletes it
 * (`client.schedule.getHandle(id)` gets it again), and `client.schedule.list()` lists schedules. Node side.
 *
 * @module
 */
import {
  CubeJobsValidationError,
  parseSelector,
  type PreAggregationSelectorInput,
  type ValidationIssue,
} from '@cube-jobs/core/protocol';
import type { Client, ScheduleHandle, ScheduleOverlapPolicy } from '@temporalio/client';
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
  /** When it fires: `cron` and/or `every`, in `timezone`. */
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
  /** Whether each build proves its partitions are served (see `BuildPreAggregationsInput.verify`). */
  readonly verify?: BuildPreAggregationsInput['verify'];
  /** Create it paused. @default false */
  readonly paused?: boolean;
  /** A note shown with the schedule (e.g. why it is paused). */
  readonly note?: string;
}

const asList = <T>(value: T | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...(value as readonly T[])] : [value as T];

/** Validates a schedule's spec and selector, naming each bad field. */
/** Whether Temporal can run a schedule in `name`: an IANA time zone such as `Europe/Berlin` (not an offset). */
function isTimeZoneName(name: string): boolean {
  try {
    return (
      /^[A-Za-z]/.test(name) && new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone !== ''
    );
  } catch {
    return false;
  }
}

function validate(options: BuildScheduleOptions) {
  const issues: ValidationIssue[] = [];
  if (!/^[\w.:/-]{1,200}$/.test(options.scheduleId)) {
    issues.push({ path: 'scheduleId', message: 'must be 1-200 letters, digits or . _ : / -' });
  }
  if (asList(options.spec.cron).length === 0 && asList(options.spec.every).length === 0) {
    issues.push({ path: 'spec', message: 'needs `cron` or `every`' });
  }
  if (options.spec.timezone !== undefined && !isTimeZoneName(options.spec.timezone)) {
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
    ...(options.verify === undefined ? {} : { verify: options.verify }),
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
 * Creates a schedule that starts `buildPreAggregations` for a selector (a run due while the previous one
 * still builds is skipped unless `overlap` says otherwise). Validates everything first and throws
 * `CubeJobsValidationError` naming each bad field. Returns Temporal's `ScheduleHandle`: `pause(note)`,
 * `unpause()`, `describe()` (the selector is `action.args[0].selector`), `trigger()`, `delete()`.
 *
 * @example
 * ```ts
 * const schedule = await createBuildSchedule(client, {
 *   scheduleId: 'orders-nightly',
 *   selector: { contexts: [{ securityContext: {} }], timezones: ['UTC'], cubes: ['orders'] },
 *   spec: { cron: '0 3 * * *', timezone: 'Europe/Berlin', jitter: '5m' },
 * });
 * await schedule.pause('warehouse maintenance'); // later: client.schedule.getHandle('orders-nightly').unpause()
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

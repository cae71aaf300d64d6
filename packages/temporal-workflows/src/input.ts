/**
 * Validation of `buildPreAggregations` input: the selector with core's schema, the rest with zod, each
 * error naming its field (`input.wait.pollInterval: …`). Workflow-safe.
 *
 * @module
 */
import {
  AMBIGUOUS_JOB_ACTIONS,
  CubeJobsValidationError,
  DEFAULT_FAIL_FAST,
  DEFAULT_JOBS_POLICY,
  DEFAULT_POLL_SCHEDULE,
  parseSelector,
  toValidationIssues,
  type JobsPolicy,
  type PreAggregationSelector,
  type ValidationIssue,
} from '@cube-jobs/core/protocol';
import { msToNumber, type Duration } from '@temporalio/common';
import { z } from 'zod';
import type { BuildPreAggregationsInput } from './types.js';

const duration = z.custom<Duration>(
  (value) => {
    if (typeof value !== 'string' && typeof value !== 'number') return false;
    try {
      return msToNumber(value as Duration) > 0;
    } catch {
      return false;
    }
  },
  { error: 'must be a positive duration such as "30s", "5m" or a number of milliseconds' },
);

const ambiguousAction = z.enum(AMBIGUOUS_JOB_ACTIONS);

const InputSchema = z.strictObject({
  selector: z.unknown(),
  wait: z
    .strictObject({
      mode: z.enum(['heartbeat', 'timer']).optional(),
      pollInterval: duration.optional(),
      maxPollInterval: duration.optional(),
      pollLatencyFraction: z.number().gt(0, 'must be greater than 0').max(1, 'must be at most 1').optional(),
      deadline: duration.optional(),
      heartbeatTimeout: duration.optional(),
      maxHistoryEvents: z
        .number()
        .int('must be a whole number')
        .min(20, 'must be at least 20')
        .max(50_000, 'must be at most 50000')
        .optional(),
    })
    .optional(),
  policy: z
    .strictObject({
      onMissingPartition: ambiguousAction.optional(),
      onNotFound: ambiguousAction.optional(),
      ambiguousGrace: duration.optional(),
      ambiguousConfirm: duration.optional(),
      onFailure: z.enum(['fail', 'retrigger']).optional(),
      maxRetriggers: z
        .number()
        .int('must be a whole number')
        .min(0, 'must be 0 or more')
        .max(100, 'must be at most 100')
        .optional(),
      failFast: z.boolean().optional(),
    })
    .optional(),
  resume: z.unknown().optional(),
});

/** Input with defaults applied and durations in milliseconds. */
export interface ResolvedBuildInput {
  readonly selector: PreAggregationSelector;
  readonly mode: 'heartbeat' | 'timer';
  readonly pollIntervalMs: number;
  readonly maxPollIntervalMs: number;
  readonly pollLatencyFraction: number;
  readonly deadlineMs: number | undefined;
  readonly heartbeatTimeoutMs: number;
  readonly maxHistoryEvents: number;
  readonly onMissingPartition: JobsPolicy['onMissingPartition'];
  readonly onNotFound: JobsPolicy['onNotFound'];
  readonly ambiguousGraceMs: number;
  readonly ambiguousConfirmMs: number;
  readonly onFailure: 'fail' | 'retrigger';
  readonly maxRetriggers: number;
  readonly failFast: boolean;
}

/**
 * The defaults of every option, in milliseconds: the poll schedule and the policy come from core, so a
 * build waits as core's `waitForJobs` does unless told otherwise.
 */
export const BUILD_DEFAULTS = {
  mode: 'heartbeat',
  pollIntervalMs: DEFAULT_POLL_SCHEDULE.initialPollIntervalMs,
  maxPollIntervalMs: DEFAULT_POLL_SCHEDULE.maxPollIntervalMs,
  pollLatencyFraction: DEFAULT_POLL_SCHEDULE.pollLatencyFraction,
  heartbeatTimeoutMs: 30_000,
  maxHistoryEvents: 5_000,
  onMissingPartition: DEFAULT_JOBS_POLICY.onMissingPartition,
  onNotFound: DEFAULT_JOBS_POLICY.onNotFound,
  ambiguousGraceMs: DEFAULT_JOBS_POLICY.ambiguousGraceMs,
  ambiguousConfirmMs: DEFAULT_JOBS_POLICY.ambiguousConfirmMs,
  onFailure: 'fail',
  maxRetriggers: 3,
  failFast: DEFAULT_FAIL_FAST,
} as const satisfies Omit<ResolvedBuildInput, 'selector' | 'deadlineMs'>;

/** Validates the input; throws {@link CubeJobsValidationError} listing every bad field. */
export function resolveBuildInput(input: BuildPreAggregationsInput): ResolvedBuildInput {
  const issues: ValidationIssue[] = [];
  const parsed = InputSchema.safeParse(input);
  if (!parsed.success) issues.push(...toValidationIssues(parsed.error, 'input'));
  let selector: PreAggregationSelector | undefined;
  try {
    selector = parseSelector((input as { selector?: unknown } | undefined)?.selector);
  } catch (error) {
    if (!(error instanceof CubeJobsValidationError)) throw error;
    issues.push(...error.issues.map((issue) => ({ ...issue, path: `input.${issue.path}` })));
  }
  if (issues.length > 0 || !parsed.success || !selector) {
    throw new CubeJobsValidationError('buildPreAggregations input', issues);
  }
  const { wait = {}, policy = {} } = parsed.data;
  const ms = (value: Duration | undefined, fallback: number) => (value === undefined ? fallback : msToNumber(value));
  const pollIntervalMs = ms(wait.pollInterval, BUILD_DEFAULTS.pollIntervalMs);
  return {
    selector,
    mode: wait.mode ?? BUILD_DEFAULTS.mode,
    pollIntervalMs,
    maxPollIntervalMs: Math.max(pollIntervalMs, ms(wait.maxPollInterval, BUILD_DEFAULTS.maxPollIntervalMs)),
    pollLatencyFraction: wait.pollLatencyFraction ?? BUILD_DEFAULTS.pollLatencyFraction,
    deadlineMs: wait.deadline === undefined ? undefined : msToNumber(wait.deadline),
    heartbeatTimeoutMs: ms(wait.heartbeatTimeout, BUILD_DEFAULTS.heartbeatTimeoutMs),
    maxHistoryEvents: wait.maxHistoryEvents ?? BUILD_DEFAULTS.maxHistoryEvents,
    onMissingPartition: policy.onMissingPartition ?? BUILD_DEFAULTS.onMissingPartition,
    onNotFound: policy.onNotFound ?? BUILD_DEFAULTS.onNotFound,
    ambiguousGraceMs: ms(policy.ambiguousGrace, BUILD_DEFAULTS.ambiguousGraceMs),
    ambiguousConfirmMs: ms(policy.ambiguousConfirm, BUILD_DEFAULTS.ambiguousConfirmMs),
    onFailure: policy.onFailure ?? BUILD_DEFAULTS.onFailure,
    maxRetriggers: policy.maxRetriggers ?? BUILD_DEFAULTS.maxRetriggers,
    failFast: policy.failFast ?? BUILD_DEFAULTS.failFast,
  };
}

/**
 * Validation of `buildPreAggregations` input: the selector with core's `parseSelector`, the rest with
 * the contract's zod schema (`contract.ts`), each error naming its field (`input.wait.pollInterval: …`). Workflow-safe.
 *
 * @module
 */
import {
  CubeJobsValidationError,
  parseSelector,
  type JobsPolicy,
  type PreAggregationSelector,
  type ValidationIssue,
} from '@cube-jobs/core/protocol';
import { msToNumber, type Duration } from '@temporalio/common';
import type { z } from 'zod';
import { BuildInputSchema } from './contract.js';
import type { BuildPreAggregationsInput } from './types.js';

/**
 * Input with durations in milliseconds. Options of the wait (poll schedule, the policy for ambiguous
 * jobs) stay unset when the input leaves them out, so core's wait loop applies its own defaults: one
 * definition of each.
 */
export interface ResolvedBuildInput {
  readonly selector: PreAggregationSelector;
  readonly pollIntervalMs: number | undefined;
  readonly maxPollIntervalMs: number | undefined;
  readonly deadlineMs: number | undefined;
  readonly heartbeatTimeoutMs: number;
  /** The policy as the wait activity takes it (only the fields the input gave). */
  readonly jobsPolicy: Partial<JobsPolicy>;
  /** The confirm period the merged-job reposts back off from. */
  readonly ambiguousConfirmMs: number;
  readonly onFailure: 'fail' | 'retrigger';
  readonly maxRetriggers: number;
  readonly failFast: boolean | undefined;
  /** Verification of the `done` jobs, when asked for. */
  readonly verify: { readonly minRows: number } | undefined;
}

/** The defaults the workflow itself applies (the wait's own come from core). */
export const BUILD_DEFAULTS = {
  /**
   * A killed worker's wait resumes on another worker within this; the wait heartbeats at 0.8 × it, so a
   * build costs about 15 heartbeats an hour (graceful shutdowns hand waits over at once).
   */
  heartbeatTimeoutMs: 300_000,
  /** Core's `DEFAULT_JOBS_POLICY.ambiguousConfirmMs` (a test holds them equal). */
  ambiguousConfirmMs: 10_000,
  onFailure: 'fail',
  maxRetriggers: 3,
} as const;

/** Zod's issues as {@link ValidationIssue}s under `input.` (an unknown key is named in the path). */
function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = ['input', ...issue.path, ...keys.slice(0, 1)].map(String).join('.');
    return { path, message: keys.length > 0 ? `unknown key ${keys.map((k) => `"${k}"`).join(', ')}` : issue.message };
  });
}

/** Validates the input; throws {@link CubeJobsValidationError} listing every bad field. */
export function resolveBuildInput(input: BuildPreAggregationsInput): ResolvedBuildInput {
  const issues: ValidationIssue[] = [];
  const parsed = BuildInputSchema.safeParse(input);
  if (!parsed.success) issues.push(...issuesOf(parsed.error));
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
  const ms = (value: Duration | undefined) => (value === undefined ? undefined : msToNumber(value));
  const ambiguousConfirmMs = ms(policy.ambiguousConfirm);
  const given = (fields: { [K in keyof JobsPolicy]: JobsPolicy[K] | undefined }) =>
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<JobsPolicy>;
  return {
    selector,
    pollIntervalMs: ms(wait.pollInterval),
    maxPollIntervalMs: ms(wait.maxPollInterval),
    deadlineMs: ms(wait.deadline),
    heartbeatTimeoutMs: ms(wait.heartbeatTimeout) ?? BUILD_DEFAULTS.heartbeatTimeoutMs,
    jobsPolicy: given({
      onMissingPartition: policy.onMissingPartition,
      onNotFound: policy.onNotFound,
      ambiguousGraceMs: ms(policy.ambiguousGrace),
      ambiguousConfirmMs,
    }),
    ambiguousConfirmMs: ambiguousConfirmMs ?? BUILD_DEFAULTS.ambiguousConfirmMs,
    onFailure: policy.onFailure ?? BUILD_DEFAULTS.onFailure,
    maxRetriggers: policy.maxRetriggers ?? BUILD_DEFAULTS.maxRetriggers,
    failFast: policy.failFast,
    verify:
      parsed.data.verify === undefined || parsed.data.verify === false
        ? undefined
        : { minRows: parsed.data.verify === true ? 0 : (parsed.data.verify.minRows ?? 0) },
  };
}

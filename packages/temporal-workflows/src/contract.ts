/**
 * The build's contract for callers in any SDK: zod schemas of what `buildPreAggregations` takes and
 * returns, its failures' details and its progress query, with the names a caller uses. Input is
 * validated with {@link BuildInputSchema} inside the workflow (`input.ts`); results and failures are
 * checked against theirs in the tests. `scripts/contract.mjs` turns them into the JSON Schemas published
 * in `contract/` (and `npm test` fails when the two differ). Workflow-safe; not exported by name.
 *
 * @module
 */
import { ERROR_NAMES, type JobState } from '@cube-jobs/core/protocol';
import { msToNumber, type Duration } from '@temporalio/common';
import { z } from 'zod';
import { CUBE_JOBS_TASK_QUEUE } from './types.js';

/** What a duration looks like in JSON: a string with a unit (the `ms` library's), or milliseconds. */
const DURATION_TEXT =
  /^\s*\d*\.?\d+\s*(ms|msecs?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)?\s*$/i;

/** A positive duration: `"30s"`, `"5m"`, `"2 hours"`, or a number of milliseconds. */
export const DurationSchema = z
  .union([z.string().regex(DURATION_TEXT), z.number().positive()])
  .refine(
    (value) => {
      try {
        return msToNumber(value as Duration) > 0;
      } catch {
        return false;
      }
    },
    { error: 'must be a positive duration such as "30s", "5m" or a number of milliseconds' },
  )
  .meta({ description: 'A positive duration: "30s", "5m", "2 hours", or a number of milliseconds.' });

const ambiguousAction = z
  .enum(['retrigger', 'fail', 'wait'])
  .meta({ description: 'What to do with a job in this state: trigger it again, fail the build, or keep polling.' });

/** The build's input; `selector` is validated by core's `parseSelector` (the JSON Schema embeds its schema). */
export const BuildInputSchema = z.strictObject({
  selector: z.unknown().meta({ description: 'What to build (recorded in history: no secrets in security contexts).' }),
  wait: z
    .strictObject({
      pollInterval: DurationSchema.optional().meta({
        description: 'First poll delay and shortest interval. Default "1s".',
      }),
      maxPollInterval: DurationSchema.optional().meta({
        description: 'Longest interval between polls. Default "30s".',
      }),
      deadline: DurationSchema.optional().meta({
        description: 'Fail when the jobs are not settled this long after the start. Default none.',
      }),
      heartbeatTimeout: DurationSchema.optional().meta({
        description: 'How soon a crashed worker\'s wait is taken over; the wait heartbeats at 0.8 × it. Default "5m".',
      }),
    })
    .optional(),
  policy: z
    .strictObject({
      onMissingPartition: ambiguousAction.optional().meta({ description: 'Default "retrigger".' }),
      onNotFound: ambiguousAction.optional().meta({ description: 'Default "retrigger".' }),
      ambiguousGrace: DurationSchema.optional().meta({
        description: 'With "wait": how long a job may stay ambiguous. Default "60s".',
      }),
      ambiguousConfirm: DurationSchema.optional().meta({
        description: 'With "retrigger"/"fail": how long a job must stay ambiguous first. Default "10s".',
      }),
      onFailure: z
        .enum(['fail', 'retrigger'])
        .optional()
        .meta({ description: 'Failed jobs: fail the build, or trigger them again. Default "fail".' }),
      maxRetriggers: z
        .number()
        .int('must be a whole number')
        .min(0, 'must be 0 or more')
        .max(100, 'must be at most 100')
        .optional()
        .meta({ description: 'How many times one job may be triggered again. Default 3.' }),
      failFast: z.boolean().optional().meta({ description: 'Fail at the first failed job. Default false.' }),
    })
    .optional(),
  verify: z
    .union([
      z.boolean(),
      z.strictObject({
        minRows: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be 0 or more')
          .max(1_000_000, 'must be at most 1000000')
          .optional()
          .meta({ description: 'Fewest rows each partition must have. Default 0.' }),
      }),
    ])
    .optional()
    .meta({
      description:
        'Once every job is done, check with one query per partition that Cube serves it (true = { minRows: 0 }). Default false.',
    }),
});

/**
 * Every job state, in core's order: each one type-checked against core's `JobState`, and the list held
 * equal to core's internal `JOB_STATES` by a test (core exports no runtime list).
 */
export const JobStateSchema = z.enum([
  'scheduled',
  'processing',
  'done',
  'failure',
  'missing_partition',
  'not_found',
  'pre_agg_not_found',
  'unknown',
] as const satisfies readonly JobState[]);

/** A count: a whole number, 0 or more. */
const count = z.number().int().min(0);

const CountsSchema = z.record(JobStateSchema, count).meta({ description: 'Jobs per state.' });

/** One job of a build, as results and failure details carry it. */
export const BuildJobSchema = z
  .object({
    token: z.string(),
    state: JobStateSchema,
    status: z
      .string()
      .optional()
      .meta({ description: "Cube's status string when it says more than state (failure: <Cube's message>)." }),
    table: z.string().optional().meta({ description: 'The versioned table the job builds.' }),
    target: z
      .object({
        preAggregation: z.string(),
        dataSource: z.string().optional(),
        timezone: z.string().optional(),
        securityContext: z.unknown().optional(),
        partitionStart: z.string().optional().meta({ description: 'Start of the partition, local wall time.' }),
      })
      .optional()
      .meta({ description: 'What the job builds; kept for jobs that did not end done.' }),
    merge: z.object({ token: z.string().optional(), table: z.string().optional() }).optional(),
    verification: z
      .object({
        outcome: z.enum(['verified', 'failed', 'unchecked']),
        problem: z.string().optional(),
        rows: count.optional(),
      })
      .optional()
      .meta({ description: 'What verifying the done job saw (builds with verify).' }),
    attempt: count.meta({ description: '1 for the first trigger, 2 for the first retrigger, ...' }),
    mergedReposts: count.optional(),
  })
  .meta({ id: 'BuildJob' });

/** What a successful build returns. */
export const BuildResultSchema = z.object({
  outcome: z.literal('succeeded'),
  jobs: z.array(BuildJobSchema),
  counts: CountsSchema,
  triggers: count.meta({ description: 'post requests made (1 unless jobs were triggered again).' }),
  retriggeredJobs: count,
  polls: count,
  startedAt: z.string().meta({ description: 'ISO 8601.' }),
  finishedAt: z.string().meta({ description: 'ISO 8601.' }),
  durationMs: z.number(),
});

/** The answer of the `getBuildProgress` query. */
export const BuildProgressSchema = z.object({
  phase: z.enum(['triggering', 'waiting', 'verifying', 'retriggering', 'succeeded', 'failed', 'cancelled']),
  counts: CountsSchema,
  jobs: z.array(z.object({ token: z.string(), state: JobStateSchema, table: z.string().optional(), attempt: count })),
  triggers: count,
  polls: count,
  elapsedMs: z.number(),
});

/** `details[0]` of each failure type the build ends with. */
export const BuildFailureDetailsSchemas = {
  [ERROR_NAMES.buildFailed]: z.object({ failedJobs: z.array(BuildJobSchema), counts: CountsSchema }),
  [ERROR_NAMES.waitTimeout]: z.object({ pendingJobs: z.array(BuildJobSchema) }),
  [ERROR_NAMES.verificationFailed]: z.object({ failedJobs: z.array(BuildJobSchema), counts: CountsSchema }),
  [ERROR_NAMES.validation]: z.object({ issues: z.array(z.object({ path: z.string(), message: z.string() })) }),
} as const;

/** The names a caller in any SDK uses. */
export const BUILD_CONTRACT_NAMES = {
  workflowType: 'buildPreAggregations',
  progressQuery: 'getBuildProgress',
  taskQueue: CUBE_JOBS_TASK_QUEUE,
  nexusService: 'cube-jobs',
} as const;

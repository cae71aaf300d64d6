/**
 * Zod schemas for the `/v1/pre-aggregations/jobs` protocol. The request schemas mirror the Joi schema
 * `preAggsJobsRequestSchema` of Cube's API gateway (unknown keys rejected, `contexts` and `timezones`
 * required with at least one item, `dateRange` of exactly two dates) and add the checks Cube only does
 * later or not at all (IANA time zones, parseable and ordered dates, `cube.name` ids), so a bad
 * selector fails here, before any request, with the path of the field.
 *
 * The functions that turn these schemas' errors into typed, path-naming errors are in `validation.ts`.
 *
 * Pure module: no Node imports, safe inside the Temporal workflow sandbox.
 *
 * @module
 */
import { z } from 'zod';
import type { JobSelector } from './job.js';

const DATE_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses one `dateRange` bound the way Cube's `parseUtcIntoLocalDate` accepts it (ISO-8601 date or
 * date-time, optionally with `Z` or an offset) and returns epoch milliseconds, reading a bound without
 * zone as UTC wall time. Returns `undefined` for anything Cube would reject.
 */
export function parseDateRangeBound(value: string): number | undefined {
  const match = DATE_PATTERN.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '0', zone] = match;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(Number(y), month - 1, day, hour, minute, second, Number(frac.slice(0, 3).padEnd(3, '0')));
  if (new Date(utc).getUTCDate() !== day) return undefined; // 2024-02-30
  if (zone === undefined || zone === 'Z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return utc - sign * offsetMinutes * 60_000;
}

/** True when `name` is an IANA time zone name (fixed offsets such as `+05:00` are not). */
export function isIanaTimeZone(name: string): boolean {
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const nonEmptyString = z.string().min(1, 'must be a non-empty string');

/** A security context: the JSON object Cube compiles the model and builds under. */
export const SecurityContextSchema = z.record(z.string(), z.unknown(), {
  error: (issue) =>
    issue.input === undefined ? 'is required' : 'must be an object (the security context Cube builds under)',
});

/** One entry of `selector.contexts`. */
export const JobContextSchema = z.strictObject({
  securityContext: SecurityContextSchema,
});

/** `cube.preAggregation`, exactly one dot. */
const PreAggregationIdSchema = z
  .string()
  .regex(/^[^.\s]+\.[^.\s]+$/, 'must be a full pre-aggregation id "<cube>.<preAggregation>"');

const DateRangeSchema = z
  .tuple([z.string(), z.string()], { error: 'must be an array of exactly two dates [start, end]' })
  .superRefine((range, ctx) => {
    const bounds = range.map(parseDateRangeBound);
    bounds.forEach((bound, index) => {
      if (bound === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `must be an ISO-8601 date or date-time (e.g. "2024-01-31" or "2024-01-31T00:00:00Z"), got ${JSON.stringify(range[index])}`,
        });
      }
    });
    const [start, end] = bounds;
    if (start !== undefined && end !== undefined && start > end) {
      ctx.addIssue({ code: 'custom', message: `start ${range[0]} is after end ${range[1]}` });
    }
  });

/** The `selector` of a `post` request: which pre-aggregations to build, for whom, and which partitions. */
export const PreAggregationSelectorSchema = z.strictObject({
  contexts: z.array(JobContextSchema).min(1, 'must contain at least one context'),
  timezones: z
    .array(
      z.string().refine(isIanaTimeZone, {
        error: (issue) => `must be a valid IANA time zone, got ${JSON.stringify(issue.input)}`,
      }),
    )
    .min(1, 'must contain at least one time zone'),
  dataSources: z.array(nonEmptyString).optional(),
  cubes: z.array(nonEmptyString).optional(),
  preAggregations: z.array(PreAggregationIdSchema).optional(),
  dateRange: DateRangeSchema.optional(),
});

/** A validated pre-aggregation selector (Cube: `PreAggsSelector`). */
export type PreAggregationSelector = z.infer<typeof PreAggregationSelectorSchema>;

/**
 * A selector as callers write it, before validation: what `triggerBuild` and `buildWorkflowId` take.
 * Values are still checked at run time (time zones, dates, ids), since JSON input has no types.
 */
export type PreAggregationSelectorInput = z.input<typeof PreAggregationSelectorSchema>;

/** One job token: an opaque string issued by Cube. */
export const JobTokenSchema = nonEmptyString;

/** The token list of a `get` request. */
export const JobTokensSchema = z.array(JobTokenSchema).min(1, 'must contain at least one token');

/** Body of a `post` request (trigger builds). */
export const PostJobsRequestSchema = z.strictObject({
  action: z.literal('post'),
  selector: PreAggregationSelectorSchema,
});

/** Body of a `get` request (read statuses). */
export const GetJobsRequestSchema = z.strictObject({
  action: z.literal('get'),
  tokens: JobTokensSchema,
  resType: z.literal('object').optional(),
});

/** Any request body the endpoint accepts, discriminated on `action`. */
export const JobsRequestSchema = z.discriminatedUnion('action', [PostJobsRequestSchema, GetJobsRequestSchema]);

/** A request body (Cube: `PreAggsJobsRequest`). */
export type JobsRequest = z.infer<typeof JobsRequestSchema>;

/** The answer to `post`: the tokens of the enqueued jobs. */
export const PostJobsResponseSchema = z.array(JobTokenSchema);

const isStringArray = (value: unknown) =>
  value === undefined || (Array.isArray(value) && value.every((v) => v === null || typeof v === 'string'));

/**
 * Checked shallowly on purpose: a `get` answer can hold thousands of these, and only a few fields are
 * ever read (each list is checked to be a list of strings or nulls).
 */
export const JobSelectorSchema = z.custom<JobSelector>(
  (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const selector = value as Record<string, unknown>;
    return (
      isStringArray(selector.cubes) &&
      isStringArray(selector.preAggregations) &&
      isStringArray(selector.timezones) &&
      isStringArray(selector.dataSources) &&
      (selector.contexts === undefined || Array.isArray(selector.contexts))
    );
  },
  { error: 'must be a job selector object' },
);

/** One item of a `get` answer in array mode. */
export const JobStatusItemSchema = z.looseObject({
  token: z.string(),
  status: z.string(),
  table: z.string().optional(),
  selector: JobSelectorSchema.optional(),
});

/** One value of a `get` answer in `resType: 'object'` mode (no `token`). */
export const JobStatusValueSchema = JobStatusItemSchema.omit({ token: true });

/** The answer to `get`: an array (default) or an object keyed by token (`resType: 'object'`). */
export const GetJobsResponseSchema = z.union([
  z.array(JobStatusItemSchema),
  z.record(z.string(), JobStatusValueSchema),
]);

/** One raw status item, as Cube sent it. */
export type JobStatusItem = z.infer<typeof JobStatusItemSchema>;

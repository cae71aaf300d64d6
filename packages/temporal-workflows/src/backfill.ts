/**
 * Backfill: rebuild a range of partitions (say every month of 2024) as a bounded number of builds, each
 * a `buildPreAggregations` whose `dateRange` covers whole partitions, so every partition is built by
 * exactly one of them. Node side.
 *
 * @module
 */
import { CubeJobsValidationError, parseSelector, type PreAggregationSelectorInput } from '@cube-jobs/core/protocol';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { buildPreAggregations } from './build-workflow.js';
import { describeSelector } from './summaries.js';
import {
  CUBE_JOBS_TASK_QUEUE,
  type BuildPolicy,
  type BuildPreAggregationsInput,
  type BuildWaitOptions,
} from './types.js';
import { buildWorkflowId } from './workflow-id.js';

/** A pre-aggregation's `partitionGranularity`. */
export type PartitionGranularity = 'day' | 'week' | 'month' | 'quarter' | 'year';

const GRANULARITIES: readonly PartitionGranularity[] = ['day', 'week', 'month', 'quarter', 'year'];
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a UTC instant. */
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The start (UTC ms) of the partition holding `ms`. */
function partitionStart(ms: number, granularity: PartitionGranularity): number {
  const date = new Date(ms);
  const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
  switch (granularity) {
    case 'day':
      return Date.UTC(y, m, d);
    case 'week': // ISO weeks start on Monday, as Cube's do
      return Date.UTC(y, m, d) - ((date.getUTCDay() + 6) % 7) * DAY_MS;
    case 'month':
      return Date.UTC(y, m, 1);
    case 'quarter':
      return Date.UTC(y, m - (m % 3), 1);
    case 'year':
      return Date.UTC(y, 0, 1);
  }
}

/** The start of the partition after the one starting at `start`. */
function nextPartition(start: number, granularity: PartitionGranularity): number {
  const date = new Date(start);
  const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
  switch (granularity) {
    case 'day':
      return Date.UTC(y, m, d + 1);
    case 'week':
      return Date.UTC(y, m, d + 7);
    case 'month':
      return Date.UTC(y, m + 1, 1);
    case 'quarter':
      return Date.UTC(y, m + 3, 1);
    case 'year':
      return Date.UTC(y + 1, 0, 1);
  }
}

/** A day `YYYY-MM-DD` as UTC epoch ms, or undefined when it is not a real day. */
function parseDay(day: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) || isoDay(ms) !== day ? undefined : ms;
}

/**
 * Splits `from`…`to` (inclusive days, `YYYY-MM-DD`) into at most `maxBuilds` date ranges of whole
 * partitions, as even as possible, in order. Pure; {@link backfillBuilds} uses it.
 */
export function backfillRanges(
  from: string,
  to: string,
  granularity: PartitionGranularity,
  maxBuilds: number,
): Array<[string, string]> {
  const issues = [];
  const fromMs = parseDay(from);
  const toMs = parseDay(to);
  if (fromMs === undefined) issues.push({ path: 'from', message: `must be a date such as 2024-01-01, got "${from}"` });
  if (toMs === undefined) issues.push({ path: 'to', message: `must be a date such as 2024-12-31, got "${to}"` });
  if (fromMs !== undefined && toMs !== undefined && toMs < fromMs)
    issues.push({ path: 'to', message: 'must not be before `from`' });
  if (!GRANULARITIES.includes(granularity))
    issues.push({ path: 'granularity', message: `must be one of ${GRANULARITIES.join(', ')}` });
  if (!Number.isInteger(maxBuilds) || maxBuilds < 1)
    issues.push({ path: 'maxBuilds', message: 'must be a whole number ≥ 1' });
  if (issues.length > 0 || fromMs === undefined || toMs === undefined)
    throw new CubeJobsValidationError('backfill', issues);

  const starts: number[] = [];
  for (let start = partitionStart(fromMs, granularity); start <= toMs; start = nextPartition(start, granularity)) {
    starts.push(start);
  }
  const perBuild = Math.ceil(starts.length / maxBuilds);
  const ranges: Array<[string, string]> = [];
  for (let i = 0; i < starts.length; i += perBuild) {
    const last = starts[Math.min(i + perBuild, starts.length) - 1] as number;
    ranges.push([isoDay(starts[i] as number), isoDay(nextPartition(last, granularity) - DAY_MS)]);
  }
  return ranges;
}

/** Options of {@link backfillBuilds}. */
export interface BackfillOptions {
  /** What to rebuild, without `dateRange` (each build gets its own). */
  readonly selector: PreAggregationSelectorInput;
  /** First day of the range, `YYYY-MM-DD`. */
  readonly from: string;
  /** Last day of the range (inclusive), `YYYY-MM-DD`. */
  readonly to: string;
  /** The pre-aggregations' partition granularity. */
  readonly granularity: PartitionGranularity;
  /** At most this many builds; each covers whole partitions. @default 12 */
  readonly maxBuilds?: number;
  /** Builds running at once. @default 2 */
  readonly concurrency?: number;
  /** @default {@link CUBE_JOBS_TASK_QUEUE} */
  readonly taskQueue?: string;
  /** Names the Cube deployment in the workflow ids. @default 'default' */
  readonly deployment?: string;
  readonly wait?: BuildWaitOptions;
  readonly policy?: BuildPolicy;
  /** Whether each build proves its partitions are served (see `BuildPreAggregationsInput.verify`). */
  readonly verify?: BuildPreAggregationsInput['verify'];
  /** Called as each build ends. */
  readonly onBuild?: (build: BackfillBuild) => void;
}

/** One build of a backfill and how it ended. */
export interface BackfillBuild {
  readonly workflowId: string;
  readonly dateRange: [string, string];
  readonly outcome: 'succeeded' | 'failed';
  /** Jobs it ran (succeeded builds). */
  readonly jobs?: number;
  /** The failure's type and message (failed builds). */
  readonly failureType?: string;
  readonly failureMessage?: string;
}

/**
 * Rebuilds `from`…`to` as at most `maxBuilds` builds (deterministic workflow ids: running it again
 * attaches to builds still running), `concurrency` at a time, and reports each. A failed build does not
 * stop the others.
 */
export async function backfillBuilds(client: Client, options: BackfillOptions): Promise<BackfillBuild[]> {
  const selector = parseSelector(options.selector);
  if (selector.dateRange) {
    throw new CubeJobsValidationError('backfill', [
      { path: 'selector.dateRange', message: 'must be unset: the backfill gives each build its own range' },
    ]);
  }
  const ranges = backfillRanges(options.from, options.to, options.granularity, options.maxBuilds ?? 12);
  const results: BackfillBuild[] = [];
  let next = 0;
  const runOne = async (dateRange: [string, string]): Promise<BackfillBuild> => {
    const ranged = { ...selector, dateRange };
    const workflowId = buildWorkflowId(ranged, {
      deployment: options.deployment ?? 'default',
      prefix: 'cube-preagg-backfill',
    });
    try {
      const result = await client.workflow.execute(buildPreAggregations, {
        taskQueue: options.taskQueue ?? CUBE_JOBS_TASK_QUEUE,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `backfill ${describeSelector(ranged)}`,
        memo: { selector: describeSelector(ranged) },
        args: [
          {
            selector: ranged,
            ...(options.wait ? { wait: options.wait } : {}),
            ...(options.policy ? { policy: options.policy } : {}),
            ...(options.verify === undefined ? {} : { verify: options.verify }),
          },
        ],
      });
      return { workflowId, dateRange, outcome: 'succeeded', jobs: result.jobs.length };
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      const cause = error.cause instanceof ApplicationFailure ? error.cause : undefined;
      return {
        workflowId,
        dateRange,
        outcome: 'failed',
        ...(cause?.type ? { failureType: cause.type } : {}),
        failureMessage: cause?.message ?? error.message,
      };
    }
  };
  const worker = async () => {
    while (next < ranges.length) {
      const index = next++;
      const build = await runOne(ranges[index] as [string, string]);
      results[index] = build;
      options.onBuild?.(build);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return results;
}

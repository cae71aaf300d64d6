/**
 * Which jobs a build triggers again, and with which selectors: each job narrowed to its own
 * pre-aggregation, context, time zone and partition, jobs sharing a narrowed selector posted together,
 * and each job's trigger attempts counted against the budget.
 *
 * Workflow-safe: pure functions over plain data.
 *
 * @module
 */
import type { PreAggregationSelector } from '@cube-jobs/core/protocol';
import { canonicalJson } from './canonical-json.js';
import type { BuildJob, BuildPolicy } from './types.js';
import type { WaitVerdict } from './wait-for-jobs.js';

/**
 * How many times in a row a job Cube merged into an identical build nobody here knows (a trigger whose
 * answer was lost, a build on another worker) is posted again without using its `maxRetriggers` budget.
 * With the backoff of {@link mergedRepostBackoffMs} that covers about 20 minutes of the other build
 * being queued; after that, posts count against the budget again.
 */
export const MAX_MERGED_REPOSTS = 8;

/** The longest backoff before posting a merged job again. */
export const MAX_MERGED_REPOST_BACKOFF_MS = 5 * 60_000;

/**
 * How long to wait before posting a merged job again the `reposts + 1`-th time: `ambiguousConfirmMs`
 * doubled per earlier repost, at most {@link MAX_MERGED_REPOST_BACKOFF_MS}. A post while the other build
 * is still queued is merged again; a post after it finished builds the partition once more.
 */
export function mergedRepostBackoffMs(reposts: number, ambiguousConfirmMs: number): number {
  return Math.min(MAX_MERGED_REPOST_BACKOFF_MS, ambiguousConfirmMs * 2 ** reposts);
}

/**
 * Whether a job to trigger again was merged by Cube into a build this worker does not know, and may be
 * posted again without using its budget: Cube never queued it (`merge`), it still reads `missing_partition`
 * (a job Cube has since forgotten, `not_found`, is lost like any other), and its
 * partition has not been reposted {@link MAX_MERGED_REPOSTS} times already.
 */
export function isMergedRepost(job: BuildJob): boolean {
  return job.merge !== undefined && job.state === 'missing_partition' && (job.mergedReposts ?? 0) < MAX_MERGED_REPOSTS;
}

/** The narrowest selector that builds a job again: its pre-aggregation, context, time zone and partition. */
export function narrowSelector(job: BuildJob, original: PreAggregationSelector): PreAggregationSelector {
  const target = job.target;
  if (!target) return original;
  const context =
    target.securityContext !== undefined &&
    target.securityContext !== null &&
    typeof target.securityContext === 'object'
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

/** One `post` of a retrigger: a narrowed selector and the jobs it replaces. */
export interface RetriggerPost {
  readonly selector: PreAggregationSelector;
  readonly jobs: readonly BuildJob[];
  /**
   * The trigger attempt of the jobs it creates: one more than the highest of the jobs it replaces (the
   * same for merged jobs posted again, see {@link isMergedRepost}).
   */
  readonly attempt: number;
  /** The `mergedReposts` of the jobs it creates: one more than the replaced jobs', when all are merged reposts, else 0. */
  readonly mergedReposts: number;
}

/** What to do after a wait that did not succeed. */
export interface RetriggerPlan {
  /** Jobs to trigger again: those the wait said to, and failed ones (or ones that failed verification) when `onFailure` is `retrigger`. */
  readonly retrigger: readonly BuildJob[];
  /** Failed jobs that are not triggered again. */
  readonly hardFailed: readonly BuildJob[];
  /** Jobs to trigger again that already used up `maxRetriggers`. */
  readonly exhausted: readonly BuildJob[];
  /** The posts that trigger {@link retrigger} again, one per distinct narrowed selector, in job order. */
  readonly posts: readonly RetriggerPost[];
  /** True when the build goes on by posting again; false when it fails with the jobs above. */
  readonly proceed: boolean;
  /**
   * How long to wait before posting: the wait's `retriggerAfterMs` (a same-second collision), or, when
   * every job to trigger again is a merged repost, {@link mergedRepostBackoffMs}.
   */
  readonly backoffMs: number;
}

/** The parts of the build's options a plan depends on. */
export interface RetriggerOptions {
  readonly selector: PreAggregationSelector;
  readonly onFailure: NonNullable<BuildPolicy['onFailure']>;
  readonly maxRetriggers: number;
  readonly ambiguousConfirmMs: number;
}

/** Plans the retrigger of a wait that did not succeed, from the tracked jobs and the wait's verdict. */
export function planRetrigger(
  jobs: readonly BuildJob[],
  verdict: Pick<WaitVerdict, 'failed' | 'retrigger' | 'retriggerAfterMs'>,
  options: RetriggerOptions,
): RetriggerPlan {
  const failedTokens = new Set(verdict.failed);
  const retriggerTokens = new Set(verdict.retrigger);
  const retrigger = jobs.filter(
    (job) =>
      retriggerTokens.has(job.token) ||
      ((job.state === 'failure' || job.verification?.outcome === 'failed') &&
        failedTokens.has(job.token) &&
        options.onFailure === 'retrigger'),
  );
  const hardFailed = jobs.filter((job) => failedTokens.has(job.token) && !retrigger.includes(job));
  // Each job may be triggered again at most maxRetriggers times; merged reposts do not count.
  const exhausted = retrigger.filter((job) => !isMergedRepost(job) && job.attempt > options.maxRetriggers);

  const groups = new Map<string, { selector: PreAggregationSelector; jobs: BuildJob[] }>();
  for (const job of retrigger) {
    const selector = narrowSelector(job, options.selector);
    const key = canonicalJson(selector);
    groups.set(key, { selector, jobs: [...(groups.get(key)?.jobs ?? []), job] });
  }
  const posts = [...groups.values()].map(({ selector, jobs: grouped }) => {
    const merged = grouped.every(isMergedRepost);
    return {
      selector,
      jobs: grouped,
      attempt: Math.max(...grouped.map((job) => (isMergedRepost(job) ? job.attempt : job.attempt + 1))),
      mergedReposts: merged ? Math.max(...grouped.map((job) => job.mergedReposts ?? 0)) + 1 : 0,
    };
  });
  const allMerged = retrigger.length > 0 && retrigger.every(isMergedRepost);
  return {
    retrigger,
    hardFailed,
    exhausted,
    posts,
    proceed: hardFailed.length === 0 && exhausted.length === 0 && retrigger.length > 0,
    backoffMs: Math.max(
      verdict.retriggerAfterMs,
      allMerged
        ? mergedRepostBackoffMs(Math.min(...retrigger.map((job) => job.mergedReposts ?? 0)), options.ambiguousConfirmMs)
        : 0,
    ),
  };
}

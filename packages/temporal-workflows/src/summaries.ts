/**
 * One-line descriptions for Temporal's timeline (user metadata): what a selector builds, for workflow
 * and activity summaries and the memo, e.g. `orders.by_month · 2024-01-01…2024-06-30 · UTC`.
 *
 * Workflow-safe: plain data only.
 *
 * @module
 */
import type { PreAggregationSelector } from '@cube-jobs/core/protocol';

/** Longest summary: the Web UI shows one line. */
const MAX_LENGTH = 120;

/** A list, cut after `max` items with "+N more". */
function listed(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} +${items.length - max} more`;
}

/**
 * What a selector builds, in one line: its pre-aggregations (or cubes, data sources, "all"), its
 * `dateRange`, time zones and number of security contexts (never their values: they may be tenant data).
 */
export function describeSelector(selector: PreAggregationSelector): string {
  const what = selector.preAggregations?.length
    ? listed(selector.preAggregations)
    : selector.cubes?.length
      ? `cubes ${listed(selector.cubes)}`
      : selector.dataSources?.length
        ? `data sources ${listed(selector.dataSources)}`
        : 'every pre-aggregation';
  const parts = [
    what,
    ...(selector.dateRange ? [`${selector.dateRange[0]}…${selector.dateRange[1]}`] : []),
    listed(selector.timezones, 2),
    ...(selector.contexts.length > 1 ? [`${selector.contexts.length} contexts`] : []),
  ];
  const line = parts.join(' · ');
  return line.length <= MAX_LENGTH ? line : `${line.slice(0, MAX_LENGTH - 1)}…`;
}

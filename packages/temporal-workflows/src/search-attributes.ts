/**
 * The search attributes a build upserts when its worker turned them on, so the Web UI and
 * `temporal workflow list --query` find, e.g., failed builds of `orders.by_month` today:
 * `CubeJobsTargets = 'preAggregation:orders.by_month' AND CubeJobsPhase = 'failed' AND StartTime > '2026-12-01'`.
 *
 * Three attributes of three types (KeywordList, Keyword, Int): they fit SQL visibility (PostgreSQL, MySQL,
 * SQLite), whose namespaces hold at most 10 Keyword and 3 attributes of each other type, with room left
 * for the user's own; what a build targets shares one KeywordList, each value prefixed by its kind.
 *
 * They are opt-in because a namespace must register them first (see the README). The worker's choice
 * reaches the workflow through the trigger activity's result, which history records, so a replay
 * upserts exactly what the original run did.
 *
 * Workflow-safe: plain data and `@temporalio/common` only.
 *
 * @module
 */
import type { PreAggregationSelector } from '@cube-jobs/core/protocol';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { BuildPhase } from './types.js';

/** A typed search attribute key (`@temporalio/common` does not export its type by name). */
export type AnySearchAttributeKey = ReturnType<typeof defineSearchAttributeKey<SearchAttributeType>>;

/**
 * The typed search attribute keys a build upserts (with `cubeJobsPlugin({ client, searchAttributes: true })`).
 * Register each on the namespace with its type; read them with
 * `(await handle.describe()).typedSearchAttributes.get(CUBE_JOBS_SEARCH_ATTRIBUTES.phase)`; a dev server
 * registers them all with `searchAttributes: Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES)`.
 */
export const CUBE_JOBS_SEARCH_ATTRIBUTES = {
  /**
   * What the selector builds, each value prefixed by its kind: `preAggregation:orders.by_month`,
   * `cube:orders` (named, or owning a named pre-aggregation), `dataSource:default` (named).
   */
  targets: defineSearchAttributeKey('CubeJobsTargets', SearchAttributeType.KEYWORD_LIST),
  /** The build's phase, and its outcome once it ended: `succeeded`, `failed` or `cancelled`. */
  phase: defineSearchAttributeKey('CubeJobsPhase', SearchAttributeType.KEYWORD),
  /** Jobs that did not build (set when the build ends). */
  failedJobs: defineSearchAttributeKey('CubeJobsFailedJobs', SearchAttributeType.INT),
} as const;

/** What a selector builds, as the value of `CubeJobsTargets` (left out when the selector names nothing). */
export function selectorSearchAttributes(selector: PreAggregationSelector): SearchAttributeUpdatePair[] {
  const preAggregations = [...new Set(selector.preAggregations ?? [])];
  const cubes = [...new Set([...(selector.cubes ?? []), ...preAggregations.map((id) => id.split('.')[0] ?? id)])];
  const dataSources = [...new Set(selector.dataSources ?? [])];
  const targets = [
    ...preAggregations.map((id) => `preAggregation:${id}`),
    ...cubes.map((cube) => `cube:${cube}`),
    ...dataSources.map((dataSource) => `dataSource:${dataSource}`),
  ];
  return targets.length ? [{ key: CUBE_JOBS_SEARCH_ATTRIBUTES.targets, value: targets }] : [];
}

/** The phase (and, once the build ended, how many jobs did not build) as search attribute values. */
export function phaseSearchAttributes(phase: BuildPhase, failedJobs?: number): SearchAttributeUpdatePair[] {
  return [
    { key: CUBE_JOBS_SEARCH_ATTRIBUTES.phase, value: phase },
    ...(failedJobs === undefined ? [] : [{ key: CUBE_JOBS_SEARCH_ATTRIBUTES.failedJobs, value: failedJobs }]),
  ];
}

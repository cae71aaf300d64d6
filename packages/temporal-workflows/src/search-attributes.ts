/**
 * The search attributes a build upserts when its worker turned them on, so the Web UI and
 * `temporal workflow list --query` find, e.g., failed builds of `orders.by_month` today:
 * `CubeJobsPreAggregations = 'orders.by_month' AND CubeJobsPhase = 'failed' AND StartTime > '2026-12-01'`.
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
  /** Pre-aggregations the selector names (`cube.preAggregation`). */
  preAggregations: defineSearchAttributeKey('CubeJobsPreAggregations', SearchAttributeType.KEYWORD_LIST),
  /** Cubes the selector names, or whose pre-aggregations it names. */
  cubes: defineSearchAttributeKey('CubeJobsCubes', SearchAttributeType.KEYWORD_LIST),
  /** Data sources the selector names. */
  dataSources: defineSearchAttributeKey('CubeJobsDataSources', SearchAttributeType.KEYWORD_LIST),
  /** The build's phase, and its outcome once it ended: `succeeded`, `failed` or `cancelled`. */
  phase: defineSearchAttributeKey('CubeJobsPhase', SearchAttributeType.KEYWORD),
  /** Jobs that did not build (set when the build ends). */
  failedJobs: defineSearchAttributeKey('CubeJobsFailedJobs', SearchAttributeType.INT),
} as const;

/** What a selector builds, as search attribute values (lists left out when the selector names none). */
export function selectorSearchAttributes(selector: PreAggregationSelector): SearchAttributeUpdatePair[] {
  const preAggregations = [...new Set(selector.preAggregations ?? [])];
  const cubes = [...new Set([...(selector.cubes ?? []), ...preAggregations.map((id) => id.split('.')[0] ?? id)])];
  const dataSources = [...new Set(selector.dataSources ?? [])];
  const {
    preAggregations: preAggregationsKey,
    cubes: cubesKey,
    dataSources: dataSourcesKey,
  } = CUBE_JOBS_SEARCH_ATTRIBUTES;
  return [
    ...(preAggregations.length ? [{ key: preAggregationsKey, value: preAggregations }] : []),
    ...(cubes.length ? [{ key: cubesKey, value: cubes }] : []),
    ...(dataSources.length ? [{ key: dataSourcesKey, value: dataSources }] : []),
  ];
}

/** The phase (and, once the build ended, how many jobs did not build) as search attribute values. */
export function phaseSearchAttributes(phase: BuildPhase, failedJobs?: number): SearchAttributeUpdatePair[] {
  return [
    { key: CUBE_JOBS_SEARCH_ATTRIBUTES.phase, value: phase },
    ...(failedJobs === undefined ? [] : [{ key: CUBE_JOBS_SEARCH_ATTRIBUTES.failedJobs, value: failedJobs }]),
  ];
}

/**
 * The `cube-jobs` Nexus service: what a caller in another namespace (or another SDK) calls to build
 * pre-aggregations. The definition is workflow-safe, for `createNexusClient` in a caller's workflow; the
 * handlers are in `nexus-handlers.ts` (Node side), registered by `cubeJobsPlugin({ nexus: true })`.
 *
 * @module
 */
import * as nexus from 'nexus-rpc';
import type { BuildPreAggregationsInput, BuildPreAggregationsResult } from './types.js';

/**
 * The `cube-jobs` Nexus service. `buildPreAggregations` runs the build workflow under the selector's
 * deterministic id (concurrent callers for one selector share one build) and completes with its result
 * or its typed failure. `requestRefresh` asks for a build that starts after the call (the semantics of
 * `requestRefresh`: concurrent requests share one follow-up build) and completes with that build's result.
 */
export const cubeJobsNexusService = nexus.service('cube-jobs', {
  buildPreAggregations: nexus.operation<BuildPreAggregationsInput, BuildPreAggregationsResult>(),
  requestRefresh: nexus.operation<BuildPreAggregationsInput, BuildPreAggregationsResult>(),
});

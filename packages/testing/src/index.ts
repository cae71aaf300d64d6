/**
 * `@cube-jobs/testing`: a fake Cube jobs server that follows the protocol of Cube's
 * `/v1/pre-aggregations/jobs` endpoint, for this project's tests and for your own workflow tests,
 * its conformance scenarios, {@link resolveTemporalCli} to find or build a Temporal dev server binary
 * without downloads, and {@link freePort} for servers a test starts. This entry does not import Temporal: the dev server and the `TestWorkflowEnvironment` helpers are in
 * `@cube-jobs/testing/temporal`.
 *
 * @example
 * ```ts
 * import { startFakeCube } from '@cube-jobs/testing';
 * import { createCubeJobsClient } from '@cube-jobs/core';
 *
 * const cube = await startFakeCube({ buildDurationMs: 20 });
 * const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret });
 * const tokens = await client.triggerBuild({ contexts: [{ securityContext: {} }], timezones: ['UTC'], cubes: ['orders'] });
 * await client.waitForJobs({ tokens, initialPollIntervalMs: 10 });
 * await cube.stop();
 * ```
 *
 * @module
 */
export { startFakeCube, type FakeCube, type FakeCubeOptions, type FakeJob, type RecordedRequest } from './fake-cube.js';
export type { FaultRule } from './faults.js';
export type { BuildOutcome, FakeCubeModel, FakePreAggregation, PartitionRef } from './model.js';
export { sampleModel } from './sample-model.js';
export {
  conformanceScenarios,
  hs256TokenSigner,
  type ConformanceObservation,
  type ConformanceScenario,
  type ConformanceTarget,
} from './conformance.js';
export { timeZoneScenarios } from './conformance-time-zones.js';
export { resolveTemporalCli, type ResolveTemporalCliOptions, type ResolvedTemporalCli } from './temporal-cli.js';
export { freePort } from './ports.js';

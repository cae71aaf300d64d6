/**
 * `@cube-jobs/testing`: a fake Cube jobs server that follows the protocol of Cube's
 * `/v1/pre-aggregations/jobs` endpoint, for this project's tests and for your own workflow tests,
 * plus {@link resolveTemporalCli} to find or build a Temporal dev server binary without downloads. This
 * entry does not import Temporal: the dev server and the `TestWorkflowEnvironment` helpers are in
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
export { createManualClock, realClock, type FakeClock, type ManualClock } from './clock.js';
export { seededRandom, type FaultEffect, type FaultRule } from './faults.js';
export { CUBE_CLOUD_RATE_LIMIT, peakPerSecond, type FakeRateLimit } from './rate-limit.js';
export {
  startFakeCube,
  type FakeCube,
  type FakeCubeOptions,
  type FakeJob,
  type RecordedRequest,
  type ScopesFunction,
} from './fake-cube.js';
export type {
  BuildOutcome,
  FakeCubeDefinition,
  FakeCubeModel,
  FakePreAggregation,
  PartitionGranularity,
  PartitionRef,
} from './model.js';
export { BROKEN_PRE_AGGREGATION_MESSAGE, sampleModel } from './sample-model.js';
export {
  TEMPORAL_CLI_VERSION,
  cachedTemporalCliPath,
  cubeJobsCacheDir,
  resolveTemporalCli,
  temporalServerExecutable,
  type ResolveTemporalCliOptions,
  type ResolvedTemporalCli,
  type TemporalCliSource,
} from './temporal-cli.js';
export {
  conformanceScenarios,
  hs256TokenSigner,
  timeZoneScenarios,
  type TimeZoneModelFacts,
  type ConformanceModelFacts,
  type ConformanceObservation,
  type ConformanceScenario,
  type ConformanceTarget,
} from './conformance.js';
export { freePort } from './ports.js';
export {
  spawnWorkerProcess,
  superviseChild,
  type SupervisedChild,
  type WorkerProcessOptions,
} from './child-process.js';

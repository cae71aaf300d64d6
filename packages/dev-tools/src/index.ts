/**
 * `@cube-jobs/dev-tools` (private, not published): what this project's own tests, benchmarks, fault suite
 * and apps share and users' tests do not need. What a user's test needs is in `@cube-jobs/testing`
 * (`startFakeCube`, `freePort`, `createLocalTestEnvironment`, `startDevServer`, …); import it from there.
 *
 * @module
 */
export { createManualClock, type ManualClock } from './clock.js';
export { cubeJobsCacheDir } from './cache-dir.js';
export { killGuarded, spawnGuarded } from './guarded.js';
export { spawnWorkerProcess, type WorkerProcessOptions } from './worker-process.js';

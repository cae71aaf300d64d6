/**
 * `@cube-jobs/testing/temporal`: a Temporal dev server from the resolved CLI, and a
 * `TestWorkflowEnvironment` on it. Needs `@temporalio/testing` and `@temporalio/worker` (peer
 * dependencies); the fake Cube in `@cube-jobs/testing` does not.
 *
 * @example
 * ```ts
 * import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
 * const env = await createLocalTestEnvironment();
 * // … Worker.create({ connection: env.nativeConnection, … }) …
 * await env.teardown();
 * ```
 *
 * @module
 */
export { startDevServer, type DevServer, type DevServerOptions } from './dev-server.js';
export { createLocalTestEnvironment, type LocalTestEnvironmentOptions } from './test-environment.js';

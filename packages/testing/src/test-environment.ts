/**
 * A `TestWorkflowEnvironment` on a local dev server started from the resolved Temporal CLI, started
 * again when the SDK gives up on it too early.
 *
 * `TestWorkflowEnvironment.createLocal` waits a fixed 5 s for the dev server it spawns to accept
 * connections, then kills it (Temporal's sdk-core, `ephemeral_server`; there is no option to wait
 * longer, see temporalio/sdk-rust#722). A loaded CI machine can miss that window, which fails the whole
 * test file before any test ran. Only that start-up timeout is retried; any other error is thrown as is.
 *
 * @module
 */
import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { temporalServerExecutable } from './temporal-cli.js';

/**
 * Options of {@link createLocalTestEnvironment}: `createLocal`'s, whose `server.executable` (the dev
 * server binary) defaults to the Temporal CLI `resolveTemporalCli` finds or builds (env, PATH, cache,
 * `go install`), then to the SDK's download.
 */
export interface LocalTestEnvironmentOptions extends LocalTestWorkflowEnvironmentOptions {
  /** How many times to start the dev server when it misses the SDK's start-up window. @default 3 */
  readonly startAttempts?: number;
  /** Where to report a start that is tried again, and progress resolving the CLI. @default console.warn */
  readonly log?: (message: string) => void;
}

/** Whether an error from `createLocal` is the SDK's fixed start-up timeout (and worth another start). */
export function isDevServerStartupTimeout(error: unknown): boolean {
  return error instanceof Error && /ephemeral server .* did not start within/.test(error.message);
}

/**
 * Starts a local Temporal dev server through `TestWorkflowEnvironment.createLocal` with
 * `server.executable: { type: 'existing-path' }` (no download when a CLI can be found or built), trying again
 * up to `startAttempts` times when the server misses the SDK's 5 s start-up window.
 *
 * @example
 * ```ts
 * const env = await createLocalTestEnvironment();
 * try {
 *   // Worker.create({ connection: env.nativeConnection, ... }) and env.client.workflow.execute(...)
 * } finally {
 *   await env.teardown();
 * }
 * ```
 */
export async function createLocalTestEnvironment(
  options: LocalTestEnvironmentOptions = {},
): Promise<TestWorkflowEnvironment> {
  const { startAttempts = 3, log = (message: string) => console.warn(message), ...local } = options;
  if (!Number.isInteger(startAttempts) || startAttempts < 1) {
    throw new TypeError(`startAttempts: expected an integer ≥ 1, got ${String(startAttempts)}`);
  }
  const executable = local.server?.executable ?? (await temporalServerExecutable({ log }));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createLocal({ ...local, server: { ...local.server, executable } });
    } catch (error) {
      if (!isDevServerStartupTimeout(error) || attempt >= startAttempts) throw error;
      log(
        `The Temporal dev server missed the SDK's 5 s start-up window (start ${attempt} of ${startAttempts}); starting it again`,
      );
    }
  }
}

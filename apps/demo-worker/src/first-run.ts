/**
 * First-run mistakes, said in one line a person can act on: unreachable Temporal or Cube, rejected
 * credentials, a busy data folder, an unknown flag. Every command of the demo exits through
 * {@link exitWith}: a stack trace only when `DEBUG` is set, and a documented exit code.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  CubeJobsApiError,
  CubeJobsAuthError,
  CubeJobsConnectionError,
  CubeJobsMissingScopeError,
  CubeJobsServerError,
  CubeJobsValidationError,
  createCubeJobsClient,
} from '@cube-jobs/core';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { DemoConfigError } from './env.js';
import type { CubeAccess } from './worker.js';

/** The exit codes of `npm run demo`, `npm start` and `npm run trigger` (the README lists them). */
export const EXIT_CODES = {
  /** Everything went as expected. */
  ok: 0,
  /** A build failed, or the demo did not go as expected. */
  failed: 1,
  /** A bad flag or bad configuration: nothing was started. */
  usage: 2,
  /** Temporal or Cube cannot be reached, rejected the credentials, or a data folder is in use. */
  unavailable: 3,
  /** Stopped by Ctrl-C or SIGTERM. */
  interrupted: 130,
} as const;

/** An error that ends a command with a one-line message and an exit code. */
export class CommandExit extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CommandExit';
  }
}

/** Parses flags; an unknown or malformed flag becomes a usage error that prints `usage`. */
export function parseFlags<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ args: process.argv.slice(2), strict: true, ...config });
  } catch (error) {
    throw new CommandExit(`${(error as Error).message}\n${usage}`, EXIT_CODES.usage, { cause: error });
  }
}

/** Connects to Temporal, or says which address could not be reached and which variable sets it. */
export async function connectTemporal(options: NativeConnectionOptions): Promise<NativeConnection> {
  const address = options.address ?? 'localhost:7233';
  try {
    return await NativeConnection.connect(options);
  } catch (error) {
    const reason = firstLine((error as Error).message);
    throw new CommandExit(`Cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): ${reason}`, EXIT_CODES.unavailable, {
      cause: error,
    });
  }
}

/**
 * Asks Cube for the status of a token that does not exist, within seconds: proves the URL, the base
 * path, the credentials and the `jobs` scope before a worker starts. Cube answers `not_found` (or, before
 * 0.34.62, a 500): both mean the endpoint is there and the credentials were accepted.
 */
export async function checkCube(cube: CubeAccess, timeoutMs = 5000): Promise<void> {
  const client = createCubeJobsClient({
    apiUrl: cube.apiUrl,
    ...(cube.apiSecret ? { apiSecret: cube.apiSecret } : { token: cube.token }),
    maxRetries: 0,
    timeoutMs,
  });
  try {
    await client.getJobStatuses(['cube-jobs-preflight']);
  } catch (error) {
    if (error instanceof CubeJobsServerError) return;
    throw new CommandExit(describeCubeProblem(cube.apiUrl, error), EXIT_CODES.unavailable, { cause: error });
  }
}

/** One line for what went wrong talking to Cube, naming the URL and the variable to fix. */
function describeCubeProblem(apiUrl: string, error: unknown): string {
  if (error instanceof CubeJobsConnectionError) {
    return `Cannot reach Cube at ${apiUrl} (CUBE_API_URL): ${firstLine(error.message)}`;
  }
  if (error instanceof CubeJobsMissingScopeError) {
    return `Cube at ${apiUrl} accepted the credentials but does not grant the jobs scope: add "jobs" to CUBEJS_DEFAULT_API_SCOPES (or the token's scopes)`;
  }
  if (error instanceof CubeJobsAuthError) {
    return `Cube at ${apiUrl} rejected the credentials (${error.status}): check CUBE_API_SECRET or CUBE_API_TOKEN`;
  }
  if (error instanceof CubeJobsApiError && error.status === 404) {
    return `Cube at ${apiUrl} has no jobs endpoint (404): CUBE_API_URL must end with Cube's base path, e.g. http://localhost:4000/cubejs-api`;
  }
  return `Cube at ${apiUrl} answered unexpectedly: ${firstLine((error as Error).message)}`;
}

/** The first line of a text. */
export function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** The exit code and message for an error that ended a command. */
export function describeFatal(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CommandExit) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof DemoConfigError) return { message: error.message, exitCode: EXIT_CODES.usage };
  if (error instanceof CubeJobsValidationError) return { message: error.message, exitCode: EXIT_CODES.usage };
  // By name: the worker alone does not load the sample Cube's package.
  if ((error as Error)?.name === 'SampleCubeDataDirBusyError') {
    return { message: (error as Error).message, exitCode: EXIT_CODES.unavailable };
  }
  return { message: firstLine((error as Error)?.message ?? String(error)), exitCode: EXIT_CODES.failed };
}

/** Prints the error in one line (with its stack when `DEBUG` is set) and exits with its code. */
export function exitWith(error: unknown, prefix = ''): never {
  const { message, exitCode } = describeFatal(error);
  process.stderr.write(`${prefix}${message}\n`);
  if (process.env.DEBUG) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  else if (exitCode === EXIT_CODES.failed) process.stderr.write('(set DEBUG=1 for the stack trace)\n');
  process.exit(exitCode);
}

/**
 * First-run mistakes, said in one line a person can act on, for the demo's commands: the `cube-jobs`
 * CLI's exit codes, Cube check and one-line errors (`@cube-jobs/cli`), plus what only the demo meets:
 * its configuration errors, an unreachable Temporal for the worker's native connection, and a busy
 * sample Cube data folder.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, EXIT_CODES, describeFatal, exitWith as cliExitWith, firstLine } from '@cube-jobs/cli';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { DemoConfigError } from './env.js';

export { checkCube, CliError, EXIT_CODES, firstLine } from '@cube-jobs/cli';

/** Parses flags; an unknown or malformed flag becomes a usage error that prints `usage`. */
export function parseFlags<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ args: process.argv.slice(2), strict: true, ...config });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${usage}`, EXIT_CODES.usage, { cause: error });
  }
}

/** Connects the worker to Temporal, or says which address could not be reached and which variable sets it. */
export async function connectTemporal(options: NativeConnectionOptions): Promise<NativeConnection> {
  const address = options.address ?? 'localhost:7233';
  try {
    return await NativeConnection.connect(options);
  } catch (error) {
    throw new CliError(
      `Cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): ${firstLine((error as Error).message)}`,
      EXIT_CODES.unavailable,
      { cause: error },
    );
  }
}

/** The exit code and message for an error that ended a demo command. */
function describeDemoFatal(error: unknown): { message: string; exitCode: number } {
  if (error instanceof DemoConfigError) return { message: error.message, exitCode: EXIT_CODES.usage };
  // By name: the worker alone does not load the sample Cube's package.
  if ((error as Error)?.name === 'SampleCubeDataDirBusyError') {
    return { message: (error as Error).message, exitCode: EXIT_CODES.unavailable };
  }
  return describeFatal(error);
}

/** Prints the error in one line (with its stack when `DEBUG` is set) and exits with its code. */
export function exitWith(error: unknown, prefix: string): never {
  return cliExitWith(error, prefix, describeDemoFatal, { debugHint: true });
}

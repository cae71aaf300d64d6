/**
 * How a command ends: one line a person can act on, and a documented exit code. A stack trace only
 * when `DEBUG` is set.
 *
 * @module
 */
import { CubeJobsValidationError } from '@cube-jobs/core';

/** The exit codes of every `cube-jobs` command (and the demo's commands). */
export const EXIT_CODES = {
  /** The command did what was asked (a build succeeded, a schedule was created, every check passed). */
  ok: 0,
  /** A build failed, a job failed, or a doctor check failed on Cube's side (e.g. a selector matches nothing). */
  failed: 1,
  /** An unknown flag or command, bad input or configuration: nothing was started. */
  usage: 2,
  /** Cube or Temporal cannot be reached, rejected the credentials or an API scope (`jobs`; `data` or `meta` to verify), or a wrong base path. */
  unavailable: 3,
  /** Stopped by Ctrl-C or SIGTERM. */
  interrupted: 130,
} as const;

/** An error that ends a command with a one-line message and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The first line of a text. */
export function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** The message and exit code for an error that ended a command. */
export function describeFatal(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof CubeJobsValidationError) return { message: error.message, exitCode: EXIT_CODES.usage };
  return { message: firstLine(error instanceof Error ? error.message : String(error)), exitCode: EXIT_CODES.failed };
}

/** Prints the error in one line (the stack too when `DEBUG` is set) and exits with its code. */
export function exitWith(
  error: unknown,
  prefix = 'cube-jobs: ',
  describe: (error: unknown) => { message: string; exitCode: number } = describeFatal,
  options: { debugHint?: boolean } = {},
): never {
  const { message, exitCode } = describe(error);
  process.stderr.write(`${prefix}${message}\n`);
  if (process.env.DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  else if (options.debugHint && exitCode === EXIT_CODES.failed)
    process.stderr.write('(set DEBUG=1 for the stack trace)\n');
  process.exit(exitCode);
}

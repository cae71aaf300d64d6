/**
 * The command table and the dispatcher behind the `cube-jobs` binary (testable without a process).
 *
 * @module
 */
import type { Command, CommandIo } from './command.js';
import { buildCommand } from './commands/build.js';
import { doctorCommand } from './commands/doctor.js';
import { scheduleCommand } from './commands/schedule.js';
import { statusCommand } from './commands/status.js';
import { verifyCommand } from './commands/verify.js';
import { CliError, EXIT_CODES } from './exit.js';

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [
  buildCommand,
  statusCommand,
  verifyCommand,
  scheduleCommand,
  doctorCommand,
];

/** The top-level help. */
export const MAIN_USAGE = `Usage: cube-jobs <command> [flags]   (cube-jobs <command> --help for a command's flags)

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`).join('\n')}

Every command takes --json. Exit codes: 0 succeeded, 1 a build, job or verification failed, 2 usage or
validation error (nothing started), 3 Cube or Temporal unreachable, credentials or an API scope rejected.
Configuration: CUBE_API_URL with CUBE_API_SECRET or CUBE_API_TOKEN; TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY, TEMPORAL_TLS_CLIENT_CERT_PATH/KEY_PATH, TEMPORAL_TASK_QUEUE (as the worker).`;

/** Runs `cube-jobs <args…>`; resolves with the exit code (errors that end the command are thrown). */
export async function runCli(args: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(`${MAIN_USAGE}\n`);
    return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw new CliError(`unknown command "${name}"\n${MAIN_USAGE}`, EXIT_CODES.usage);
  return command.run(rest, io);
}

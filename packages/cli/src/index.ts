/**
 * `@cube-jobs/cli`: the `cube-jobs` command (`npx @cube-jobs/cli --help`), and its parts for programs
 * that want the same behaviour: exit codes, Cube checks with one-line errors, progress printing.
 *
 * @module
 */
export { COMMANDS, MAIN_USAGE, runCli } from './commands.js';
export type { Command, CommandIo } from './command.js';
export { CliError, EXIT_CODES, describeFatal, exitWith, firstLine } from './exit.js';
export {
  asCubeAccessError,
  checkCube,
  cubeClient,
  describeCubeProblem,
  isAccessProblem,
  readCubeAccess,
  type CubeAccess,
} from './cube.js';
export { connectTemporal, type TemporalAccess } from './temporal.js';
export {
  createProgressPrinter,
  followBuild,
  shortTableName,
  type ProgressJob,
  type ProgressPrinter,
} from './progress.js';
export { SELECTOR_HELP, SELECTOR_OPTIONS, selectorFromFlags, type SelectorFlagValues } from './selector-flags.js';
export type { DoctorCheck } from './commands/doctor.js';

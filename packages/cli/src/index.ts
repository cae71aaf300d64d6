/**
 * `@cube-jobs/cli`: the `cube-jobs` command (`npx @cube-jobs/cli --help`), and the parts a program needs
 * to behave the same way: run it (`runCli`), its exit codes and one-line errors, the Cube check that
 * `doctor` and the demo run first, and the progress printing of a Temporal build.
 *
 * @module
 */
export { runCli } from './commands.js';
export type { CommandIo } from './command.js';
export { CliError, EXIT_CODES, describeFatal, exitWith, firstLine } from './exit.js';
export { checkCube, type CubeAccess } from './cube.js';
export { followBuild, shortTableName } from './progress.js';

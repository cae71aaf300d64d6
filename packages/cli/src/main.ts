#!/usr/bin/env node
/**
 * The `cube-jobs` binary.
 *
 * @module
 */
import { runCli } from './commands.js';
import { EXIT_CODES, exitWith } from './exit.js';

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(EXIT_CODES.interrupted));

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    out: process.stdout,
    err: process.stderr,
    env: process.env,
  });
} catch (error) {
  exitWith(error);
}

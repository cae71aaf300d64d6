#!/usr/bin/env node
/**
 * `cube-jobs-temporal-cli`: prints the path of a Temporal CLI binary, building it from the official Go
 * module into the cache when needed. Exits 1 when none can be had (the SDK's download is then the only way).
 *
 * @module
 */
import { resolveTemporalCli } from './temporal-cli.js';

const resolved = await resolveTemporalCli({ log: (message) => console.error(message) });
if (!resolved) {
  console.error('No Temporal CLI: set TEMPORAL_CLI_PATH, put `temporal` on PATH, or install Go to build it.');
  process.exit(1);
}
console.log(resolved.path);

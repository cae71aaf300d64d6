#!/usr/bin/env node
// The `cube-jobs` command. This file is committed (not built) so that `npm ci` on a fresh clone links the
// command: npm links only a bin file that exists when it installs. It runs the built CLI.
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/main.js')) throw error;
  process.stderr.write('cube-jobs: the CLI is not built yet: run `npm run build` first (in the cube-jobs checkout)\n');
  process.exit(2);
}

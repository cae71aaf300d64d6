#!/usr/bin/env node
// The `cube-jobs-temporal-cli` command. This file is committed (not built) so that `npm ci` on a fresh clone
// links the command: npm links only a bin file that exists when it installs. It runs the built resolver.
try {
  await import('../dist/temporal-cli-main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/temporal-cli-main.js'))
    throw error;
  process.stderr.write(
    'cube-jobs-temporal-cli: @cube-jobs/testing is not built yet: run `npm run build` first (in the cube-jobs checkout)\n',
  );
  process.exit(2);
}

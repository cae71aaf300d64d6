/**
 * `npm run bundle-workflows -w @cube-jobs/demo-worker -- <file>`: pre-bundles `buildPreAggregations`
 * into one file, so a worker (e.g. in a container) starts without webpack: point
 * `CUBE_JOBS_WORKFLOW_BUNDLE` at it.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { workflowsPath } from '@cube-jobs/temporal-workflows';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { CliError, EXIT_CODES, exitWith } from './first-run.js';

try {
  const [target, ...extra] = process.argv.slice(2);
  if (!target || extra.length > 0) {
    throw new CliError('Usage: npm run bundle-workflows -w @cube-jobs/demo-worker -- <output file>', EXIT_CODES.usage);
  }
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  await writeFile(resolve(target), code);
  console.log(`Wrote the workflow bundle to ${resolve(target)} (${(code.length / 1024).toFixed(0)} KiB)`);
} catch (error) {
  exitWith(error, 'cube-jobs bundle-workflows: ');
}

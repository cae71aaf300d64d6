/**
 * `npm run bundle-workflows -w @cube-jobs/demo-worker -- <file> [--tracing]`: pre-bundles
 * `buildPreAggregations` into one file, so a worker (e.g. in a container) starts without webpack: point
 * `CUBE_JOBS_WORKFLOW_BUNDLE` at it. `--tracing` bundles Temporal's OpenTelemetry workflow interceptors
 * in, for workers that export traces (`OTEL_TRACES_EXPORTER`).
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { workflowsPath } from '@cube-jobs/temporal-workflows';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { CliError, EXIT_CODES, exitWith, parseFlags } from './first-run.js';
import { tracingBundlerPlugin } from './observability.js';

const USAGE = 'Usage: npm run bundle-workflows -w @cube-jobs/demo-worker -- <output file> [--tracing]';

try {
  const { values: flags, positionals } = parseFlags(
    { options: { tracing: { type: 'boolean', default: false } }, allowPositionals: true },
    USAGE,
  );
  const [target, ...extra] = positionals;
  if (!target || extra.length > 0) throw new CliError(USAGE, EXIT_CODES.usage);
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: new DefaultLogger('WARN'),
    plugins: flags.tracing ? [tracingBundlerPlugin()] : [],
  });
  await writeFile(resolve(target), code);
  console.log(`Wrote the workflow bundle to ${resolve(target)} (${(code.length / 1024).toFixed(0)} KiB)`);
} catch (error) {
  exitWith(error, 'cube-jobs bundle-workflows: ');
}

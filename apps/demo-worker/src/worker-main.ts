/**
 * `npm start -w @cube-jobs/demo-worker`: runs the worker alone against a configured Temporal and
 * Cube (TEMPORAL_ADDRESS, CUBE_API_URL and CUBE_API_SECRET or CUBE_API_TOKEN) until Ctrl-C or SIGTERM.
 * `CUBE_JOBS_WORKFLOW_BUNDLE` names pre-bundled workflow code; `HEALTH_PORT` serves `/healthz` and
 * `/readyz`; `--metrics-port` (or `METRICS_PORT`) serves Prometheus metrics (Temporal's and ours);
 * `CUBE_JOBS_SEARCH_ATTRIBUTES=true` turns search attributes on; `OTEL_TRACES_EXPORTER` exports traces.
 * On SIGTERM the SDK shuts the worker down: running waits give up their attempt at once and
 * another worker resumes them from their last heartbeat; the process exits 0.
 *
 * @module
 */
import { DemoConfigError, parsePortFlag, readDemoConfig } from './env.js';
import { checkCube, exitWith, parseFlags } from './first-run.js';
import { startHealthServer } from './health.js';
import { installRuntime, startTracing } from './observability.js';
import { createDemoWorker } from './worker.js';

try {
  const { values: flags } = parseFlags(
    { options: { 'metrics-port': { type: 'string' } } },
    'Usage: npm start -w @cube-jobs/demo-worker [-- --metrics-port <port>] (configured by TEMPORAL_* and CUBE_* variables)',
  );
  const config = readDemoConfig();
  const metricsPort =
    flags['metrics-port'] === undefined ? config.metricsPort : parsePortFlag('--metrics-port', flags['metrics-port']);
  if (!config.temporal || !config.cube) {
    throw new DemoConfigError([
      ...(config.temporal ? [] : ['TEMPORAL_ADDRESS: is required to run the worker alone (or use `npm run demo`)']),
      ...(config.cube ? [] : ['CUBE_API_URL: is required to run the worker alone (or use `npm run demo`)']),
    ]);
  }
  await checkCube(config.cube);
  installRuntime({ logLevel: 'INFO', metricsPort });
  const tracing = startTracing(config.tracesExporter);
  const { worker, connection } = await createDemoWorker({
    ...config.temporal,
    taskQueue: config.taskQueue,
    deploymentVersion: config.deploymentVersion,
    cube: config.cube,
    workflowBundlePath: config.workflowBundlePath,
    searchAttributes: config.searchAttributes ?? false,
    plugins: tracing ? [tracing.plugin] : [],
  });
  const health =
    config.healthPort === undefined ? undefined : await startHealthServer(config.healthPort, () => worker.getState());
  const healthAddress = health?.address();
  console.log(
    `Worker polling task queue "${config.taskQueue}" on ${config.temporal.connection.address ?? 'localhost:7233'}` +
      (healthAddress && typeof healthAddress === 'object' ? `; health on port ${healthAddress.port}` : '') +
      (metricsPort === undefined ? '' : `; Prometheus metrics on http://localhost:${metricsPort}/metrics`) +
      (tracing ? `; traces to ${config.tracesExporter}` : '') +
      '; Ctrl-C stops it.',
  );

  try {
    await worker.run(); // the SDK shuts the worker down on SIGINT/SIGTERM
  } finally {
    await connection.close();
    health?.close();
    await tracing?.shutdown();
  }
} catch (error) {
  exitWith(error, 'cube-jobs worker: ');
}

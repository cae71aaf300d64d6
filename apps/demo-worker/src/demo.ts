/**
 * `npm run demo`: the whole story, end to end. Starts a Temporal dev server (unless TEMPORAL_ADDRESS is
 * set) and the sample Cube (unless CUBE_API_URL is set), runs a worker, builds the sample
 * pre-aggregations with `buildPreAggregations`, rebuilds one month with a `dateRange`, shows a build that
 * fails, proves a query is served from a pre-aggregation, prints a summary and shuts everything down.
 *
 * Flags: `--keep-running` leaves everything up until Ctrl-C; `--summary-file <path>` writes the summary
 * as JSON (used by the end-to-end test); `--metrics-port <port>` serves the worker's Prometheus metrics.
 * On its own dev server the demo registers the cube-jobs search attributes and turns them on.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { spawnSampleCube } from '@cube-jobs/sample-cube';
import { startDevServer } from '@cube-jobs/testing/temporal';
import { buildWorkflowId, CUBE_JOBS_SEARCH_ATTRIBUTES, describeSelector } from '@cube-jobs/temporal-workflows';
import { buildPreAggregations, type BuildPreAggregationsInput } from '@cube-jobs/temporal-workflows/workflow-safe';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { parsePortFlag, readDemoConfig } from './env.js';
import { checkCube, EXIT_CODES, exitWith, firstLine, parseFlags } from './first-run.js';
import { followBuild, shortTableName } from '@cube-jobs/cli';
import { installRuntime, startTracing } from './observability.js';
import { createDemoWorker, type CubeAccess } from './worker.js';

const USAGE = 'Usage: npm run demo -- [--keep-running] [--summary-file <path>] [--metrics-port <port>]';

const say = (line = '') => process.stdout.write(`${line}\n`);

/** What one build of the demo ended with. */
interface BuildReport {
  readonly title: string;
  readonly workflowId: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly durationMs: number;
  readonly jobs: ReadonlyArray<{
    table: string | undefined;
    state: string;
    attempt: number;
    /** What verifying the job saw (builds with `verify`). */
    verification?: { outcome: string; problem?: string | undefined } | undefined;
  }>;
  readonly triggers?: number;
  readonly polls?: number;
  readonly failureType?: string;
  readonly failureMessage?: string;
  readonly failedTables?: string[];
}

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    await cleanups
      .pop()?.()
      .catch((error: unknown) => say(`  (cleanup: ${(error as Error).message})`));
  }
}
// A closed pipe on stdout (e.g. `npm run demo | head`) must not leave the servers running.
process.stdout.on('error', () => {
  void cleanup().then(() => process.exit(1));
});
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say('\nStopping everything the demo started…');
    void cleanup().then(() => process.exit(EXIT_CODES.interrupted));
  });
}

async function main(): Promise<void> {
  const { values: flags } = parseFlags(
    {
      options: {
        'keep-running': { type: 'boolean', default: false },
        'summary-file': { type: 'string' },
        'metrics-port': { type: 'string' },
      },
    },
    USAGE,
  );
  const config = readDemoConfig();
  const metricsPort =
    flags['metrics-port'] === undefined ? config.metricsPort : parsePortFlag('--metrics-port', flags['metrics-port']);
  // A configured Cube is checked first: a wrong URL or secret is reported within seconds, before anything starts.
  if (config.cube) await checkCube(config.cube);
  // The demo reports builds (including the one meant to fail) itself; the SDK speaks up only for errors.
  installRuntime({ logLevel: 'ERROR', metricsPort });
  const tracing = startTracing(config.tracesExporter, 'cube-jobs-demo');
  if (tracing) cleanups.push(() => tracing.shutdown());
  say('cube-jobs demo: Temporal workflows that trigger Cube pre-aggregation builds and wait for them durably');
  say();

  let temporal = config.temporal;
  let uiUrl: string | undefined;
  if (!temporal) {
    say('▸ Starting a Temporal dev server (TEMPORAL_ADDRESS is not set)…');
    const devServer = await startDevServer({
      log: (message) => say(`    ${message}`),
      searchAttributes: Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES),
    });
    cleanups.push(() => devServer.stop());
    temporal = { connection: { address: devServer.address }, namespace: 'default' };
    uiUrl = devServer.uiUrl;
    say(`    Temporal ${devServer.address}, Web UI ${devServer.uiUrl}`);
  } else {
    say(`▸ Using Temporal at ${temporal.connection.address ?? 'localhost:7233'} (namespace ${temporal.namespace})`);
  }

  let cube: CubeAccess;
  let cubeMode = 'external';
  let databasePath: string | undefined;
  if (!config.cube) {
    say('▸ Starting the sample Cube (CUBE_API_URL is not set)…');
    const sample = await spawnSampleCube({ withBroken: true });
    cleanups.push(() => sample.stop());
    cube = { apiUrl: sample.url, apiSecret: sample.apiSecret };
    cubeMode = sample.mode;
    databasePath = sample.databasePath;
    say(
      `    Cube ${sample.url} (${sample.mode === 'jobs-only' ? 'jobs-only compatibility mode: @cubejs-backend/native is not installed' : 'native'}), DuckDB ${sample.databasePath}`,
    );
  } else {
    cube = config.cube;
    say(`▸ Using Cube at ${cube.apiUrl}`);
  }

  // The demo's own dev server has the search attributes registered; a configured Temporal opts in.
  const searchAttributes = config.searchAttributes ?? uiUrl !== undefined;
  say(`▸ Starting a worker on task queue "${config.taskQueue}"`);
  const { worker, connection: workerConnection } = await createDemoWorker({
    ...temporal,
    taskQueue: config.taskQueue,
    cube,
    searchAttributes,
    plugins: tracing ? [tracing.plugin] : [],
  });
  if (metricsPort !== undefined) say(`    Prometheus metrics on http://localhost:${metricsPort}/metrics`);
  if (tracing) say(`    Traces to ${config.tracesExporter} (OTEL_TRACES_EXPORTER)`);
  const running = worker.run();
  cleanups.push(async () => {
    // On Ctrl-C the SDK begins the shutdown itself.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await workerConnection.close();
  });
  const clientConnection = await Connection.connect(temporal.connection);
  cleanups.push(() => clientConnection.close());
  const client = new Client({ connection: clientConnection, namespace: temporal.namespace });

  const context = { contexts: [{ securityContext: {} }], timezones: ['UTC'] };
  const runBuild = async (title: string, input: BuildPreAggregationsInput): Promise<BuildReport> => {
    say();
    say(`▸ ${title}`);
    const workflowId = buildWorkflowId(input.selector, { deployment: 'demo' });
    const started = Date.now();
    const handle = await client.workflow.start(buildPreAggregations, {
      taskQueue: config.taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `demo: ${describeSelector(input.selector)}`,
      memo: { selector: describeSelector(input.selector) },
      args: [input],
    });
    say(
      `    workflow ${workflowId}${uiUrl ? `\n    ${uiUrl}/namespaces/${temporal.namespace}/workflows/${encodeURIComponent(workflowId)}` : ''}`,
    );
    try {
      const result = await followBuild(handle, handle.result());
      const jobs = result.jobs.map((job) => ({
        table: job.table,
        state: job.state,
        attempt: job.attempt,
        ...(job.verification ? { verification: job.verification } : {}),
      }));
      say(
        `    ✓ succeeded: ${result.counts.done} job(s) done in ${(result.durationMs / 1000).toFixed(1)} s (${result.triggers} post, ${result.polls} status polls)`,
      );
      if (input.verify) {
        const verified = jobs.filter((job) => job.verification?.outcome === 'verified').length;
        say(`    ✓ verified: Cube answers a query of ${verified} partition(s) from the new build`);
        for (const job of jobs.filter((j) => j.verification?.outcome === 'unchecked')) {
          say(`      ${shortTableName(job.table)}: unchecked (${job.verification?.problem ?? ''})`);
        }
      }
      return {
        title,
        workflowId,
        outcome: 'succeeded',
        durationMs: result.durationMs,
        jobs,
        triggers: result.triggers,
        polls: result.polls,
      };
    } catch (error) {
      const failure =
        error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure ? error.cause : undefined;
      if (!failure) throw error;
      const details = failure.details?.[0] as { failedJobs?: Array<{ table?: string; status: string }> } | undefined;
      const failedTables = (details?.failedJobs ?? []).map((job) => job.table ?? '(unknown)');
      say(`    ✗ failed with ${failure.type}: ${firstLine(failure.message)}`);
      for (const job of details?.failedJobs ?? []) say(`      ${shortTableName(job.table)}: ${firstLine(job.status)}`);
      return {
        title,
        workflowId,
        outcome: 'failed',
        durationMs: Date.now() - started,
        jobs: (details?.failedJobs ?? []).map((job) => ({ table: job.table, state: 'failure', attempt: 1 })),
        ...(failure.type ? { failureType: failure.type } : {}),
        failureMessage: failure.message,
        failedTables,
      };
    }
  };

  const fast = { pollInterval: '200ms', maxPollInterval: '2s' } as const;
  // Every partition must have rows: Cube can call an empty import done (cube-js/cube #11609).
  const verify = { minRows: 1 } as const;
  const builds = [
    await runBuild(
      'Build the sample pre-aggregations (orders.by_month in 6 monthly partitions, orders.by_status, customers.by_region), verified',
      {
        selector: { ...context, preAggregations: ['orders.by_month', 'orders.by_status', 'customers.by_region'] },
        wait: fast,
        verify,
      },
    ),
    // Cube names tables after their build time in whole seconds: a second build of a partition in the
    // same second would collide with the first, so let the clock move on.
    await new Promise((resolve) => setTimeout(resolve, 1100)).then(() =>
      runBuild('Rebuild one month: orders.by_month with dateRange February 2024, verified', {
        selector: { ...context, preAggregations: ['orders.by_month'], dateRange: ['2024-02-01', '2024-02-29'] },
        wait: fast,
        verify,
      }),
    ),
    await runBuild(
      'A pre-aggregation that cannot build (broken.broken_rollup reads a missing table): a typed failure naming each partition',
      {
        selector: { ...context, preAggregations: ['broken.broken_rollup'] },
        wait: fast,
      },
    ),
  ];

  const built = builds
    .filter((b) => b.outcome === 'succeeded')
    .flatMap((b) => b.jobs.filter((j) => j.state === 'done').map((j) => j.table as string));
  say();
  say('Summary');
  for (const build of builds) {
    say(
      `  ${build.outcome === 'succeeded' ? '✓' : '✗'} ${build.title.split(':')[0]}: ${build.outcome}, ${build.jobs.length} job(s), ${(build.durationMs / 1000).toFixed(1)} s`,
    );
  }
  say(`  Tables built (${built.length}):`);
  for (const table of built) say(`    ${table}`);
  if (uiUrl) say(`  Temporal Web UI: ${uiUrl}/namespaces/${temporal.namespace}/workflows`);
  if (searchAttributes) {
    say(
      `  Failed builds, by search attribute: temporal workflow list --address ${temporal.connection.address ?? 'localhost:7233'} --query "CubeJobsPhase = 'failed'"`,
    );
  }

  if (flags['summary-file']) {
    writeFileSync(
      flags['summary-file'],
      `${JSON.stringify({ builds, uiUrl, cubeMode, databasePath, tablesBuilt: built }, null, 2)}\n`,
    );
  }

  const expected =
    builds[0]?.outcome === 'succeeded' && builds[1]?.outcome === 'succeeded' && builds[2]?.outcome === 'failed';
  if (!expected) throw new Error('The demo did not go as expected: see the builds above');

  if (flags['keep-running']) {
    say();
    say('Everything keeps running (--keep-running). In another terminal:');
    say(
      `  TEMPORAL_ADDRESS=${temporal.connection.address ?? 'localhost:7233'} npm run trigger -- --pre-aggregation orders.by_month --date-range 2024-01-01,2024-01-31`,
    );
    say('Ctrl-C stops everything.');
    await new Promise(() => undefined);
  }
}

try {
  await main();
  await cleanup();
  say();
  say('Done.');
  process.exit(EXIT_CODES.ok);
} catch (error) {
  await cleanup();
  exitWith(error, 'cube-jobs demo: ');
}

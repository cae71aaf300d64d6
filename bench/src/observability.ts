/**
 * `npm run bench:observability`: what observability costs. History events of one 12-partition build
 * with search attributes off and on (the goal: at most 15 with them off), and the worker's CPU time per
 * build with tracing (Temporal's OpenTelemetry plugin plus our Cube request spans) off and on, measured
 * in alternating rounds in one process so the machine's noise falls on both. Prints two tables; the
 * README's "Observability overhead" quotes them.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, propagation, trace } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createCubeJobsClient } from '@cube-jobs/core';
import { createCubeJobsActivities } from '@cube-jobs/temporal-activities';
import { CUBE_JOBS_SEARCH_ATTRIBUTES } from '@cube-jobs/temporal-workflows';
import { startFakeCube } from '@cube-jobs/testing';
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { say } from './report.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'], cubes: ['orders'] };
const input = { selector, wait: { pollInterval: 100 } };
/** Builds per round of the CPU measurement, and rounds per setting. */
const BUILDS_PER_ROUND = Number(process.env.BENCH_OBSERVABILITY_BUILDS ?? 40);
const ROUNDS = Number(process.env.BENCH_OBSERVABILITY_ROUNDS ?? 3);

/** Spans counted and dropped: the cost measured is making spans, not shipping them. */
let exportedSpans = 0;
const countingExporter: SpanExporter = {
  export(spans, done) {
    exportedSpans += spans.length;
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};
const spanProcessor = new BatchSpanProcessor(countingExporter);
const resource = new Resource({ 'service.name': 'cube-jobs-bench' });
const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
const tracing = new OpenTelemetryPlugin({ resource, spanProcessor });

const env = await createLocalTestEnvironment({
  server: { searchAttributes: Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES) },
});
const workflowsPath = fileURLToPath(new URL('./workflows.js', import.meta.url));
const logger = new DefaultLogger('WARN');
const plainBundle = await bundleWorkflowCode({ workflowsPath, logger });
const tracedBundle = await bundleWorkflowCode({ workflowsPath, logger, plugins: [tracing] });
const cube = await startFakeCube({ buildDurationMs: 300 });
const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret });

/** Runs `count` builds at once on a fresh worker; returns their workflow ids. */
async function runBuilds(count: number, options: { searchAttributes: boolean; traced: boolean }): Promise<string[]> {
  const taskQueue = `observability-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: options.traced ? tracedBundle : plainBundle,
    activities: createCubeJobsActivities({ client, searchAttributes: options.searchAttributes }),
    plugins: options.traced ? [tracing] : [],
  });
  const ids = Array.from({ length: count }, () => `observability-${randomUUID()}`);
  await worker.runUntil(
    Promise.all(
      ids.map((workflowId) =>
        env.client.workflow.execute('buildPreAggregations', { taskQueue, workflowId, args: [input] }),
      ),
    ),
  );
  return ids;
}

try {
  say('History events of one 12-partition build (heartbeat wait)');
  say('| search attributes | events | of which upserts |');
  say('|---|---:|---:|');
  for (const searchAttributes of [false, true]) {
    const [workflowId] = await runBuilds(1, { searchAttributes, traced: false });
    const events = (await env.client.workflow.getHandle(workflowId ?? '').fetchHistory()).events ?? [];
    const upserts = events.filter((event) => event.upsertWorkflowSearchAttributesEventAttributes).length;
    say(`| ${searchAttributes ? 'on' : 'off'} | ${events.length} | ${upserts} |`);
  }

  await runBuilds(BUILDS_PER_ROUND, { searchAttributes: false, traced: false }); // warm-up
  const cpuPerBuild: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const setting of ['off', 'on'] as const) {
      if (setting === 'on') provider.register({ contextManager: new AsyncLocalStorageContextManager() });
      const before = process.cpuUsage();
      await runBuilds(BUILDS_PER_ROUND, { searchAttributes: false, traced: setting === 'on' });
      if (setting === 'on') await spanProcessor.forceFlush();
      const used = process.cpuUsage(before);
      cpuPerBuild[setting].push((used.user + used.system) / 1000 / BUILDS_PER_ROUND);
      if (setting === 'on') {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const off = median(cpuPerBuild.off);
  const on = median(cpuPerBuild.on);
  say();
  say(
    `Worker CPU per 12-partition build (median of ${ROUNDS} alternating rounds of ${BUILDS_PER_ROUND} concurrent builds; worker, client and fake Cube in one process)`,
  );
  say('| tracing | CPU ms per build | rounds (ms per build) |');
  say('|---|---:|---|');
  say(`| off | ${off.toFixed(1)} | ${cpuPerBuild.off.map((ms) => ms.toFixed(1)).join(', ')} |`);
  say(`| on | ${on.toFixed(1)} | ${cpuPerBuild.on.map((ms) => ms.toFixed(1)).join(', ')} |`);
  say();
  say(
    `Tracing on costs ${(((on - off) / off) * 100).toFixed(0)}% more worker CPU (${exportedSpans} spans made, ${(exportedSpans / (ROUNDS * BUILDS_PER_ROUND)).toFixed(1)} per build).`,
  );
} finally {
  await cube.stop();
  await provider.shutdown();
  await env.teardown();
}

/**
 * Tracing with Temporal's OpenTelemetry plugin beside ours, on a real dev server and the fake Cube over
 * loopback, with an in-memory span exporter: the client's start, the workflow, its activities and the
 * Cube requests they make form one trace, and Cube receives the request span's `traceparent`.
 */
import { randomUUID } from 'node:crypto';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { trace, context, propagation } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cubeJobsPlugin, workflowsPath } from '../src/index.js';
import { buildPreAggregations } from '../src/workflow-safe.js';
import { baseSelector, startCube, useBuildEnvironment } from './environment.js';

const build = useBuildEnvironment();
const exporter = new InMemorySpanExporter();
const spanProcessor = new SimpleSpanProcessor(exporter);
const resource = new Resource({ 'service.name': 'cube-jobs-test' });
const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });

beforeAll(() => {
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

/** The spans of one trace, by name. */
function spansNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}

describe('tracing with @temporalio/interceptors-opentelemetry', () => {
  test.each([
    ['workflows bundled by the worker', false],
    ['pre-bundled workflow code', true],
  ])('client → workflow → activity → Cube request in one trace (%s)', async (_name, preBundled) => {
    exporter.reset();
    // Independent status reads run inside their wait activity, so they join its trace too.
    const { cube, client } = await startCube({}, { advanced: { statusPolling: 'independent' } });
    const tracing = new OpenTelemetryPlugin({ resource, spanProcessor });
    const taskQueue = `tracing-${randomUUID()}`;
    const worker = await Worker.create({
      connection: build.env.nativeConnection,
      taskQueue,
      ...(preBundled
        ? {
            workflowBundle: await bundleWorkflowCode({
              workflowsPath,
              plugins: [tracing],
              logger: new DefaultLogger('WARN'),
            }),
          }
        : {}),
      plugins: [tracing, cubeJobsPlugin({ client })],
    });
    const temporal = new Client({ connection: build.env.connection, plugins: [tracing] });
    const result = await worker.runUntil(
      temporal.workflow.execute(buildPreAggregations, {
        taskQueue,
        workflowId: `tracing-${randomUUID()}`,
        args: [{ selector: { ...baseSelector, cubes: ['orders'] }, wait: { pollInterval: 50 } }],
      }),
    );
    expect(result.outcome).toBe('succeeded');
    await spanProcessor.forceFlush();

    const finished = exporter.getFinishedSpans();
    const [start] = spansNamed(finished, 'StartWorkflow:buildPreAggregations');
    expect(start, finished.map((span) => span.name).join(', ')).toBeDefined();
    const traceId = start?.spanContext().traceId;
    const inTrace = finished.filter((span) => span.spanContext().traceId === traceId);
    expect(spansNamed(inTrace, 'RunWorkflow:buildPreAggregations')).toHaveLength(1);

    const [runTrigger] = spansNamed(inTrace, 'RunActivity:triggerPreAggregationBuild');
    const [post] = spansNamed(inTrace, 'cube-jobs post');
    expect(post?.parentSpanId).toBe(runTrigger?.spanContext().spanId);
    const [runWait] = spansNamed(inTrace, 'RunActivity:waitForPreAggregationJobs');
    const gets = spansNamed(inTrace, 'cube-jobs get');
    expect(gets.length).toBeGreaterThan(0);
    for (const get of gets) expect(get.parentSpanId).toBe(runWait?.spanContext().spanId);

    // Cube saw each request span's own context.
    const postRequest = cube.requests.find((request) => request.action === 'post');
    expect(postRequest?.headers.traceparent).toBe(`00-${traceId}-${post?.spanContext().spanId}-01`);
  });
});

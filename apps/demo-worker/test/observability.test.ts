/**
 * What an operator sees of the deployable worker: it runs the compiled `worker-main` with pre-bundled
 * workflow code (bundled `--tracing`), Prometheus metrics, search attributes and OTLP trace export,
 * against a real dev server (search attributes registered), the fake Cube and a loopback OTLP
 * receiver; then it runs one build that succeeds and one that fails.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, startFakeCube, type FakeCube } from '@cube-jobs/testing';
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import { CUBE_JOBS_SEARCH_ATTRIBUTES } from '@cube-jobs/temporal-workflows';
import { buildPreAggregations } from '@cube-jobs/temporal-workflows/workflow-safe';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const program = (name: string) => fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url));

/** A span as OTLP/HTTP JSON carries it (the fields the test reads). */
interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
}

let env: TestWorkflowEnvironment;
let cube: FakeCube;
let dir: string;
let receiver: Server;
const spans: OtlpSpan[] = [];
let worker: ChildProcess;
let output = '';
let metricsPort: number;
/** Requests the worker's start-up check made (its own client, which reports no metrics). */
let startupRequests = 0;
const taskQueue = `observed-${Date.now()}`;
const selector = (preAggregation: string) => ({
  contexts: [{ securityContext: {} }],
  timezones: ['UTC'],
  preAggregations: [preAggregation],
});

/** Starts a loopback OTLP/HTTP receiver that keeps every span it is sent. */
async function startOtlpReceiver(): Promise<Server> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const parsed = JSON.parse(body) as {
        resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
      };
      for (const resource of parsed.resourceSpans ?? [])
        for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** The worker's Prometheus text, and the value of one series (summed over the series matching `labels`). */
async function scrape(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
}
function valueOf(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? ([\d.eE+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const series = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => series[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

beforeAll(async () => {
  env = await createLocalTestEnvironment({ server: { searchAttributes: Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES) } });
  cube = await startFakeCube({
    buildDurationMs: 100,
    model: {
      cubes: [
        { name: 'orders', preAggregations: [{ name: 'by_status' }] },
        { name: 'broken', preAggregations: [{ name: 'rollup', outcome: 'relation "broken" does not exist' }] },
      ],
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'observed-worker-'));
  receiver = await startOtlpReceiver();
  const receiverAddress = receiver.address();
  if (!receiverAddress || typeof receiverAddress !== 'object') throw new Error('no receiver address');

  const bundlePath = join(dir, 'workflow-bundle.js');
  await promisify(execFile)(process.execPath, [program('bundle-workflows'), bundlePath, '--tracing']);
  metricsPort = await freePort();
  worker = spawn(process.execPath, [program('worker-main'), '--metrics-port', String(metricsPort)], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: cube.apiSecret,
      CUBE_JOBS_WORKFLOW_BUNDLE: bundlePath,
      CUBE_JOBS_SEARCH_ATTRIBUTES: 'true',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverAddress.port}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (let i = 0; i < 300 && !output.includes('Ctrl-C stops it'); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(output).toContain(`Prometheus metrics on http://localhost:${metricsPort}/metrics`);
  startupRequests = cube.requests.length;

  const succeeded = await env.client.workflow.execute(buildPreAggregations, {
    taskQueue,
    workflowId: `observed-ok-${Date.now()}`,
    args: [{ selector: selector('orders.by_status'), wait: { pollInterval: 50 } }],
  });
  expect(succeeded.outcome).toBe('succeeded');
  const failed = await env.client.workflow.start(buildPreAggregations, {
    taskQueue,
    workflowId: `observed-failed-${Date.now()}`,
    args: [{ selector: selector('broken.rollup'), wait: { pollInterval: 50 } }],
  });
  await expect(failed.result()).rejects.toThrow();
  expect((await failed.describe()).typedSearchAttributes.get(CUBE_JOBS_SEARCH_ATTRIBUTES.phase)).toBe('failed');
}, 300_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  receiver?.close();
  await cube?.stop();
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Prometheus endpoint', () => {
  test('counts the builds by outcome and their jobs by final state', async () => {
    const metrics = await scrape();
    expect(valueOf(metrics, 'cube_jobs_builds', { outcome: 'succeeded' }), metrics).toBe(1);
    expect(valueOf(metrics, 'cube_jobs_builds', { outcome: 'failed' })).toBe(1);
    expect(valueOf(metrics, 'cube_jobs_jobs', { state: 'done' })).toBe(1);
    expect(valueOf(metrics, 'cube_jobs_jobs', { state: 'failure' })).toBe(1);
    expect(valueOf(metrics, 'cube_jobs_build_duration_count', { outcome: 'failed' })).toBe(1);
    expect(valueOf(metrics, 'cube_jobs_retriggered_jobs')).toBe(0);
  });

  test("counts Cube's requests by action and status, with their durations, next to Temporal's own metrics", async () => {
    const metrics = await scrape();
    const requests = cube.requests.slice(startupRequests);
    const posts = requests.filter((request) => request.action === 'post').length;
    const gets = requests.filter((request) => request.action === 'get').length;
    expect(posts).toBe(2);
    expect(valueOf(metrics, 'cube_jobs_cube_requests', { action: 'post', status_code: '200', result: 'ok' })).toBe(
      posts,
    );
    expect(valueOf(metrics, 'cube_jobs_cube_requests', { action: 'get', status_code: '200', result: 'ok' })).toBe(gets);
    expect(valueOf(metrics, 'cube_jobs_cube_request_duration_count', { action: 'get' })).toBe(gets);
    expect(valueOf(metrics, 'cube_jobs_detection_latency_count')).toBe(2);
    expect(valueOf(metrics, 'temporal_workflow_completed')).toBeGreaterThanOrEqual(1);
    expect(valueOf(metrics, 'temporal_workflow_failed')).toBeGreaterThanOrEqual(1);
  });
});

describe('traces exported over OTLP', () => {
  test('workflow, activity and Cube request spans share one trace, whose traceparent Cube received', async () => {
    const deadline = Date.now() + 15_000;
    const find = (name: string) => spans.filter((span) => span.name === name);
    while (find('cube-jobs post').length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const [post] = find('cube-jobs post');
    expect(post, spans.map((span) => span.name).join(', ')).toBeDefined();
    const trace = spans.filter((span) => span.traceId === post?.traceId);
    const names = trace.map((span) => span.name);
    expect(names).toContain('RunWorkflow:buildPreAggregations');
    expect(names).toContain('StartActivity:triggerPreAggregationBuild');
    expect(names).toContain('RunActivity:triggerPreAggregationBuild');
    // The request span is a child of the activity's span.
    const runTrigger = trace.find((span) => span.name === 'RunActivity:triggerPreAggregationBuild');
    expect(post?.parentSpanId).toBe(runTrigger?.spanId);
    // Cube received the request span's context.
    const traceparents = cube.requests.map((request) => request.headers.traceparent);
    expect(traceparents).toContain(`00-${post?.traceId}-${post?.spanId}-01`);
    expect(output).not.toContain(cube.apiSecret);
  });
});

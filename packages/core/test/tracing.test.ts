/**
 * OpenTelemetry around Cube requests, with a real tracer provider and a loopback HTTP server: one client
 * span per attempt, a child of the caller's span, and the W3C `traceparent` on the wire.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createCubeJobsClient } from '../src/index.js';

const exporter = new InMemorySpanExporter();
let server: Server;
let url: string;
const received: IncomingHttpHeaders[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: [] };

beforeAll(async () => {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  server = createServer((req, res) => {
    received.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/cubejs-api`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  trace.disable();
  context.disable();
  propagation.disable();
});
beforeEach(() => {
  exporter.reset();
  received.length = 0;
});

const client = () => createCubeJobsClient({ apiUrl: url, token: 'static-token', advanced: { maxRetries: 0 } });

describe('OpenTelemetry spans for Cube requests', () => {
  test("a get: one client span under the caller's, and its traceparent on the wire", async () => {
    answer = {
      status: 200,
      body: [
        { token: 'a', status: 'done' },
        { token: 'b', status: 'processing' },
      ],
    };
    const parent = trace.getTracer('test').startSpan('workflow step');
    await context.with(trace.setSpan(context.active(), parent), () => client().getJobStatuses(['a', 'b']));
    parent.end();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'cube-jobs get');
    expect(span).toBeDefined();
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.attributes).toMatchObject({
      'cube_jobs.action': 'get',
      'cube_jobs.token_count': 2,
      'cube_jobs.attempt': 1,
      'http.response.status_code': 200,
      'url.full': `${url}/v1/pre-aggregations/jobs`,
    });
    const traceparent = received[0]?.traceparent;
    expect(traceparent).toBe(`00-${parent.spanContext().traceId}-${span?.spanContext().spanId}-01`);
    expect(received[0]?.['x-request-id']).toBe(span?.attributes['cube_jobs.request_id']);
  });

  test("the shared poller's get serves many waits, so it starts a trace of its own", async () => {
    answer = { status: 200, body: [{ token: 'a', status: 'done' }] };
    const shared = createCubeJobsClient({
      apiUrl: url,
      token: 'static-token',
      advanced: { maxRetries: 0, pollTickMs: 10 },
    });
    const parent = trace.getTracer('test').startSpan('one wait of many');
    const [status] = await context.with(trace.setSpan(context.active(), parent), () => shared.readStatuses(['a']));
    parent.end();
    expect(status?.state).toBe('done');
    const span = exporter.getFinishedSpans().find((s) => s.name === 'cube-jobs get');
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.spanContext().traceId).not.toBe(parent.spanContext().traceId);
    expect(received[0]?.traceparent).toBe(`00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`);
  });

  test('a post records the tokens Cube returned; a refused one its status code and error type', async () => {
    answer = { status: 200, body: ['t1', 't2', 't3'] };
    await client().triggerBuild({ contexts: [{ securityContext: {} }], timezones: ['UTC'] });
    answer = { status: 403, body: { error: 'API scope is missing: jobs' } };
    await expect(client().triggerBuild({ contexts: [{ securityContext: {} }], timezones: ['UTC'] })).rejects.toThrow();
    const [ok, refused] = exporter.getFinishedSpans().filter((s) => s.name === 'cube-jobs post');
    expect(ok?.attributes['cube_jobs.token_count']).toBe(3);
    expect(refused?.attributes).toMatchObject({
      'http.response.status_code': 403,
      'error.type': 'CubeJobsMissingScopeError',
    });
    expect(refused?.status.code).toBe(SpanStatusCode.ERROR);
    // No secret in any attribute.
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toContain('static-token');
  });
});

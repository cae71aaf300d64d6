/**
 * The demo worker's telemetry: the Temporal runtime (its logger, and its Prometheus endpoint that serves
 * the SDK's metrics with ours) and, when `OTEL_TRACES_EXPORTER` asks for it, OpenTelemetry traces of
 * workflows, activities and Cube requests, written to the console or sent over OTLP/HTTP (to
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, or the exporter's default `http://localhost:4318`).
 *
 * @module
 */
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/** Where traces go: nowhere, the console, or an OTLP/HTTP collector. */
export type TracesExporter = 'none' | 'console' | 'otlp';

/**
 * Installs the Temporal runtime: a logger at `logLevel` and, with `metricsPort`, a Prometheus endpoint
 * on every interface at that port (`/metrics`). Call once, before any connection or worker.
 */
export function installRuntime(options: {
  readonly logLevel: LogLevel;
  readonly metricsPort?: number | undefined;
}): void {
  Runtime.install({
    logger: new DefaultLogger(options.logLevel),
    ...(options.metricsPort === undefined
      ? {}
      : { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${options.metricsPort}` } } } }),
  });
}

/** Tracing for a worker: the plugin to add to it, and a function that flushes and stops the exporter. */
export interface WorkerTracing {
  readonly plugin: OpenTelemetryPlugin;
  shutdown(): Promise<void>;
}

/**
 * Registers a global tracer provider exporting to `exporter` and returns Temporal's OpenTelemetry plugin
 * around it (workflow, activity and client spans; core's Cube request spans join the same traces), or
 * undefined with `none`.
 */
export function startTracing(exporter: TracesExporter, serviceName = 'cube-jobs-worker'): WorkerTracing | undefined {
  if (exporter === 'none') return undefined;
  const spanProcessor: SpanProcessor =
    exporter === 'console'
      ? new SimpleSpanProcessor(new ConsoleSpanExporter())
      : new BatchSpanProcessor(new OTLPTraceExporter());
  const resource = new Resource({ 'service.name': serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor }),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
    },
  };
}

/** A bundler plugin that adds Temporal's OpenTelemetry workflow interceptors to pre-bundled workflow code. */
export function tracingBundlerPlugin(): OpenTelemetryPlugin {
  return new OpenTelemetryPlugin({ resource: Resource.empty(), spanProcessor: new NoopSpanProcessor() });
}

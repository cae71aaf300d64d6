import { describe, expect, test } from 'vitest';
import { DemoConfigError, readDemoConfig } from '../src/env.js';

describe('readDemoConfig', () => {
  test('nothing set: the demo starts its own Temporal and Cube', () => {
    expect(readDemoConfig({})).toEqual({
      temporal: undefined,
      taskQueue: 'cube-jobs',
      deploymentVersion: undefined,
      cube: undefined,
      workflowBundlePath: undefined,
      healthPort: undefined,
      metricsPort: undefined,
      searchAttributes: undefined,
      tracesExporter: 'none',
    });
  });

  test('reads the telemetry settings', () => {
    expect(
      readDemoConfig({ METRICS_PORT: '9464', CUBE_JOBS_SEARCH_ATTRIBUTES: 'true', OTEL_TRACES_EXPORTER: 'otlp' }),
    ).toMatchObject({ metricsPort: 9464, searchAttributes: true, tracesExporter: 'otlp' });
    expect(readDemoConfig({ CUBE_JOBS_SEARCH_ATTRIBUTES: 'false' }).searchAttributes).toBe(false);
  });

  test('reads Temporal through envconfig and Cube from our variables', () => {
    const config = readDemoConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'analytics',
      TEMPORAL_TASK_QUEUE: 'cube-builds',
      CUBE_API_URL: 'https://cube.example.com/cubejs-api',
      CUBE_API_SECRET: 'a-long-enough-secret-value',
    });
    expect(config.temporal?.connection.address).toBe('temporal.internal:7233');
    expect(config.temporal?.namespace).toBe('analytics');
    expect(config.taskQueue).toBe('cube-builds');
    expect(config.cube).toEqual({
      apiUrl: 'https://cube.example.com/cubejs-api',
      apiSecret: 'a-long-enough-secret-value',
    });
  });

  test("reads the worker's deployment version, as the Temporal Worker Controller sets it", () => {
    expect(
      readDemoConfig({ TEMPORAL_DEPLOYMENT_NAME: 'cube-jobs', TEMPORAL_WORKER_BUILD_ID: '2026-12-03.1' })
        .deploymentVersion,
    ).toEqual({ deploymentName: 'cube-jobs', buildId: '2026-12-03.1' });
  });

  test.each([
    [{ TEMPORAL_ADDRESS: 'http://localhost:7233' }, 'TEMPORAL_ADDRESS'],
    [{ TEMPORAL_DEPLOYMENT_NAME: 'cube-jobs' }, 'TEMPORAL_WORKER_BUILD_ID'],
    [{ TEMPORAL_TASK_QUEUE: 'has spaces' }, 'TEMPORAL_TASK_QUEUE'],
    [{ CUBE_API_URL: 'cube:4000' }, 'CUBE_API_URL'],
    [{ CUBE_API_URL: 'http://localhost:4000/cubejs-api' }, 'CUBE_API_SECRET'],
    [{ CUBE_API_URL: 'http://localhost:4000', CUBE_API_SECRET: 'short' }, 'CUBE_API_SECRET'],
    [
      { CUBE_API_URL: 'http://localhost:4000', CUBE_API_SECRET: 'a-long-enough-secret-value', CUBE_API_TOKEN: 'tok' },
      'CUBE_API_TOKEN',
    ],
    [{ CUBE_API_SECRET: 'a-long-enough-secret-value' }, 'CUBE_API_URL'],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: '/x.pem' }, 'TEMPORAL_TLS_CLIENT_KEY_PATH'],
    [{ METRICS_PORT: 'ninety' }, 'METRICS_PORT'],
    [{ CUBE_JOBS_SEARCH_ATTRIBUTES: 'yes' }, 'CUBE_JOBS_SEARCH_ATTRIBUTES'],
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER'],
  ])('%o is rejected naming %s, without echoing values', (env, variable) => {
    let error: unknown;
    try {
      readDemoConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DemoConfigError);
    expect((error as Error).message).toContain(variable);
    for (const value of Object.values(env)) if (value.length > 8) expect((error as Error).message).not.toContain(value);
  });
});

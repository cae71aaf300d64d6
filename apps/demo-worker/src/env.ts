/**
 * The demo worker's configuration, from the environment, validated with zod. Temporal connection
 * settings follow `@temporalio/envconfig` (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS_*, or a TEMPORAL_PROFILE in a config file); Cube settings are ours.
 *
 * @module
 */
import { CUBE_JOBS_TASK_QUEUE } from '@cube-jobs/temporal-workflows/workflow-safe';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';

const optionalText = z
  .string()
  .transform((value) => value.trim())
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/** A TCP port number given as text, e.g. `9464`. */
export const portNumber = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a port number (0-65535)')
  .transform(Number)
  .refine((port) => port <= 65535, 'must be a port number (0-65535)');

/** A port given as a command-line flag (e.g. `--metrics-port`), or a configuration error naming the flag. */
export function parsePortFlag(flag: string, text: string): number {
  const parsed = portNumber.safeParse(text);
  if (!parsed.success) throw new DemoConfigError([`${flag}: ${parsed.error.issues[0]?.message ?? 'invalid'}`]);
  return parsed.data;
}

const EnvSchema = z
  .object({
    TEMPORAL_ADDRESS: optionalText.pipe(
      z
        .string()
        .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233')
        .optional(),
    ),
    TEMPORAL_NAMESPACE: optionalText,
    TEMPORAL_TASK_QUEUE: optionalText.pipe(
      z
        .string()
        .regex(/^[\w.:-]{1,200}$/, 'must be a task queue name (letters, digits, . _ : -)')
        .optional(),
    ),
    TEMPORAL_API_KEY: optionalText,
    TEMPORAL_DEPLOYMENT_NAME: optionalText,
    TEMPORAL_WORKER_BUILD_ID: optionalText,
    TEMPORAL_TLS_CLIENT_CERT_PATH: optionalText,
    TEMPORAL_TLS_CLIENT_KEY_PATH: optionalText,
    CUBE_API_URL: optionalText.pipe(
      z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:4000/cubejs-api' })
        .optional(),
    ),
    CUBE_API_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    CUBE_API_TOKEN: optionalText,
    CUBE_JOBS_WORKFLOW_BUNDLE: optionalText,
    HEALTH_PORT: optionalText.pipe(portNumber.optional()),
    METRICS_PORT: optionalText.pipe(portNumber.optional()),
    CUBE_JOBS_SEARCH_ATTRIBUTES: optionalText.pipe(
      z
        .enum(['true', 'false'], { error: 'must be true or false' })
        .transform((value) => value === 'true')
        .optional(),
    ),
    OTEL_TRACES_EXPORTER: optionalText.pipe(
      z.enum(['none', 'console', 'otlp'], { error: 'must be none, console or otlp' }).optional(),
    ),
  })
  .superRefine((env, ctx) => {
    if (env.CUBE_API_URL && !env.CUBE_API_SECRET && !env.CUBE_API_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['CUBE_API_SECRET'],
        message: 'set CUBE_API_SECRET or CUBE_API_TOKEN together with CUBE_API_URL',
      });
    }
    if (env.CUBE_API_SECRET && env.CUBE_API_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['CUBE_API_TOKEN'],
        message: 'set CUBE_API_SECRET or CUBE_API_TOKEN, not both',
      });
    }
    if (!env.CUBE_API_URL && (env.CUBE_API_SECRET || env.CUBE_API_TOKEN)) {
      ctx.addIssue({
        code: 'custom',
        path: ['CUBE_API_URL'],
        message: 'is required when CUBE_API_SECRET or CUBE_API_TOKEN is set',
      });
    }
    if (Boolean(env.TEMPORAL_DEPLOYMENT_NAME) !== Boolean(env.TEMPORAL_WORKER_BUILD_ID)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_WORKER_BUILD_ID'],
        message: 'TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_WORKER_BUILD_ID go together',
      });
    }
    if (Boolean(env.TEMPORAL_TLS_CLIENT_CERT_PATH) !== Boolean(env.TEMPORAL_TLS_CLIENT_KEY_PATH)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_TLS_CLIENT_KEY_PATH'],
        message: 'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together',
      });
    }
  });

/** Thrown when the environment is invalid; the message names every bad variable and never echoes a value. */
export class DemoConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DemoConfigError';
  }
}

/** The demo's settings. */
export interface DemoConfig {
  /** Temporal connection, or undefined when the demo should start a dev server. */
  readonly temporal: { readonly connection: NativeConnectionOptions; readonly namespace: string } | undefined;
  readonly taskQueue: string;
  /**
   * The worker's Worker Deployment Version (`TEMPORAL_DEPLOYMENT_NAME` and `TEMPORAL_WORKER_BUILD_ID`, the
   * variables the Temporal Worker Controller sets): the worker then runs versioned, builds `AUTO_UPGRADE`.
   */
  readonly deploymentVersion: { readonly deploymentName: string; readonly buildId: string } | undefined;
  /** Pre-bundled workflow code (`CUBE_JOBS_WORKFLOW_BUNDLE`), instead of bundling at start. */
  readonly workflowBundlePath: string | undefined;
  /** Port of the worker's `/healthz` and `/readyz` endpoint (`HEALTH_PORT`), off when unset. */
  readonly healthPort: number | undefined;
  /** Port of the Prometheus endpoint (`METRICS_PORT`, or the `--metrics-port` flag), off when unset. */
  readonly metricsPort: number | undefined;
  /**
   * Builds upsert the cube-jobs search attributes (`CUBE_JOBS_SEARCH_ATTRIBUTES`); the worker checks its
   * namespace at start. @default false with a configured Temporal, true on the demo's own dev server
   */
  readonly searchAttributes: boolean | undefined;
  /** Where traces go (`OTEL_TRACES_EXPORTER`: `none`, `console`, or `otlp` to `OTEL_EXPORTER_OTLP_ENDPOINT`). */
  readonly tracesExporter: 'none' | 'console' | 'otlp';
  /** Cube to use, or undefined when the demo should start the sample Cube. */
  readonly cube: { readonly apiUrl: string; readonly apiSecret?: string; readonly token?: string } | undefined;
}

/** Reads and validates the configuration. */
export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new DemoConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  let temporal: DemoConfig['temporal'];
  if (e.TEMPORAL_ADDRESS || env.TEMPORAL_PROFILE) {
    try {
      const vars = Object.fromEntries(
        Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      const loaded = loadClientConnectConfig({ overrideEnvVars: vars });
      temporal = { connection: loaded.connectionOptions, namespace: loaded.namespace ?? 'default' };
    } catch (error) {
      throw new DemoConfigError([`Temporal connection settings: ${(error as Error).message}`]);
    }
  }
  return {
    temporal,
    taskQueue: e.TEMPORAL_TASK_QUEUE ?? CUBE_JOBS_TASK_QUEUE,
    deploymentVersion:
      e.TEMPORAL_DEPLOYMENT_NAME && e.TEMPORAL_WORKER_BUILD_ID
        ? { deploymentName: e.TEMPORAL_DEPLOYMENT_NAME, buildId: e.TEMPORAL_WORKER_BUILD_ID }
        : undefined,
    workflowBundlePath: e.CUBE_JOBS_WORKFLOW_BUNDLE,
    healthPort: e.HEALTH_PORT,
    metricsPort: e.METRICS_PORT,
    searchAttributes: e.CUBE_JOBS_SEARCH_ATTRIBUTES,
    tracesExporter: e.OTEL_TRACES_EXPORTER ?? 'none',
    cube: e.CUBE_API_URL
      ? {
          apiUrl: e.CUBE_API_URL,
          ...(e.CUBE_API_SECRET ? { apiSecret: e.CUBE_API_SECRET } : {}),
          ...(e.CUBE_API_TOKEN ? { token: e.CUBE_API_TOKEN } : {}),
        }
      : undefined,
  };
}

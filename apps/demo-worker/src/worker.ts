/**
 * The demo's worker: `cubeJobsPlugin` registers the workflow and the activities around a configured client.
 *
 * @module
 */
import { createCubeJobsClient, type CubeJobsClient } from '@cube-jobs/core';
import { cubeRequestMetrics } from '@cube-jobs/temporal-activities';
import { cubeJobsPlugin } from '@cube-jobs/temporal-workflows';
import {
  Runtime,
  Worker,
  type NativeConnection,
  type NativeConnectionOptions,
  type WorkerPlugin,
} from '@temporalio/worker';
import { connectTemporal } from './first-run.js';

/** Cube credentials: an API secret (the client mints short-lived JWTs) or a ready token. */
export interface CubeAccess {
  readonly apiUrl: string;
  readonly apiSecret?: string;
  readonly token?: string;
}

/**
 * A client for the worker's activities, with the defaults (the activities send each request once and
 * leave retries to Temporal and the wait loop; minted JWTs live an hour).
 * Its requests are counted on the Temporal runtime's metric meter.
 */
export function createWorkerCubeClient(cube: CubeAccess): CubeJobsClient {
  return createCubeJobsClient({
    apiUrl: cube.apiUrl,
    ...(cube.apiSecret ? { apiSecret: cube.apiSecret } : { token: cube.token }),
    onRequest: cubeRequestMetrics(Runtime.instance().metricMeter),
  });
}

/** Connects and creates the worker (not yet running). */
export async function createDemoWorker(options: {
  readonly connection: NativeConnectionOptions;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly cube: CubeAccess;
  /** Pre-bundled workflow code; bundled at start when unset. */
  readonly workflowBundlePath?: string | undefined;
  /** Builds upsert the cube-jobs search attributes (checked at worker start). @default false */
  readonly searchAttributes?: boolean | undefined;
  /** More worker plugins, e.g. Temporal's OpenTelemetry plugin. */
  readonly plugins?: readonly WorkerPlugin[] | undefined;
  /**
   * Runs versioned under this Worker Deployment Version (see docs/deployment.md): the builds move to the
   * deployment's current version (they declare `AUTO_UPGRADE`); other workflows pin to their version.
   */
  readonly deploymentVersion?: { readonly deploymentName: string; readonly buildId: string } | undefined;
}): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await connectTemporal(options.connection);
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : {}),
    plugins: [
      ...(options.plugins ?? []),
      cubeJobsPlugin({
        client: createWorkerCubeClient(options.cube),
        searchAttributes: options.searchAttributes ?? false,
      }),
    ],
    // A waiting build needs no cached workflow (each cached one costs about 1 MiB).
    maxCachedWorkflows: 10,
    ...(options.deploymentVersion
      ? {
          workerDeploymentOptions: {
            version: options.deploymentVersion,
            useWorkerVersioning: true,
            defaultVersioningBehavior: 'PINNED' as const,
          },
        }
      : {}),
  });
  return { worker, connection };
}

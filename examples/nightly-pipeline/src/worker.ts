/**
 * The pipeline's worker: its own activities, and cube-jobs through one plugin entry, on pre-bundled
 * workflow code.
 */
import { createCubeJobsClient } from '@cube-jobs/core';
import { cubeJobsPlugin } from '@cube-jobs/temporal-workflows';
import { NativeConnection, Worker } from '@temporalio/worker';
import { workflowBundlePath } from './bundle.js';
import { createPipelineActivities, type PipelineReport } from './activities.js';

/** What the worker needs. */
export interface PipelineWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace?: string;
  readonly taskQueue: string;
  readonly cubeApiUrl: string;
  readonly cubeApiSecret: string;
  /** Receives the pipeline's reports (tests read them). */
  readonly reports?: PipelineReport[];
}

/** Creates the worker (call `run()` on it). */
export async function createPipelineWorker(options: PipelineWorkerOptions): Promise<Worker> {
  const client = createCubeJobsClient({ apiUrl: options.cubeApiUrl, apiSecret: options.cubeApiSecret });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    workflowBundle: { codePath: workflowBundlePath },
    activities: createPipelineActivities(options.reports),
    plugins: [cubeJobsPlugin({ client })],
    // A waiting build needs no cached workflow (each cached one costs about 1 MiB).
    maxCachedWorkflows: 10,
  });
}

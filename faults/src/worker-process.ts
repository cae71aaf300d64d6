/**
 * A worker in its own process, for the SIGKILL case. Env: TEMPORAL_ADDRESS, TEMPORAL_API_KEY, TASK_QUEUE,
 * CUBE_API_URL, CUBE_API_SECRET.
 *
 * @module
 */
import { createCubeJobsClient } from '@cube-jobs/core';
import { createCubeJobsActivities } from '@cube-jobs/temporal-activities';
import { workflowsPath } from '@cube-jobs/temporal-workflows';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({
  address: process.env.TEMPORAL_ADDRESS as string,
  apiKey: process.env.TEMPORAL_API_KEY as string,
  tls: false,
});
const client = createCubeJobsClient({
  apiUrl: process.env.CUBE_API_URL as string,
  apiSecret: process.env.CUBE_API_SECRET,
});
const worker = await Worker.create({
  connection,
  taskQueue: process.env.TASK_QUEUE as string,
  workflowsPath,
  activities: createCubeJobsActivities({ client }),
  // The README's guidance for workers that share a burst of builds: with the SDK's 40 slots, three
  // workers starting 300 builds on 2 shared cores held workflow tasks past their 10 s timeout, and the
  // retried task posted again from another worker (duplicate posts in 5 of 9 runs); with 5, none in 4.
  maxConcurrentWorkflowTaskExecutions: 5,
});
process.stdout.write('worker-ready\n');
await worker.run();

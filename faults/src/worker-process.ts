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
});
process.stdout.write('worker-ready\n');
await worker.run();

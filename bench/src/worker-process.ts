/**
 * A worker in its own process, so the scale benchmark can read its peak memory and CPU time.
 * Env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, CUBE_API_URL, CUBE_API_SECRET, MAX_ACTIVITIES, WORKFLOW_BUNDLE,
 * and the client's pacing: STATUS_POLLING (shared | independent), MAX_REQUESTS_PER_SECOND (a number or
 * Infinity), STATUS_BATCH_SIZE, POLL_TICK_MS
 * (a file of workflow code bundled beforehand, as production workers load it: bundling in the worker
 * would leave webpack's memory in its heap).
 *
 * @module
 */
import { createCubeJobsClient } from '@cube-jobs/core';
import { createCubeJobsActivities, handOverWaits } from '@cube-jobs/temporal-activities';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS as string });
const client = createCubeJobsClient({
  apiUrl: process.env.CUBE_API_URL as string,
  apiSecret: process.env.CUBE_API_SECRET,
  ...(process.env.MAX_REQUESTS_PER_SECOND ? { maxRequestsPerSecond: Number(process.env.MAX_REQUESTS_PER_SECOND) } : {}),
  advanced: {
    ...(process.env.STATUS_POLLING ? { statusPolling: process.env.STATUS_POLLING as 'shared' | 'independent' } : {}),
    ...(process.env.STATUS_BATCH_SIZE ? { statusBatchSize: Number(process.env.STATUS_BATCH_SIZE) } : {}),
    ...(process.env.POLL_TICK_MS ? { pollTickMs: Number(process.env.POLL_TICK_MS) } : {}),
  },
});
const max = Number(process.env.MAX_ACTIVITIES ?? 1000);
const activities = createCubeJobsActivities({ client });
const worker = await Worker.create({
  connection,
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  taskQueue: process.env.TASK_QUEUE as string,
  ...(process.env.WORKFLOW_BUNDLE
    ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE } }
    : { workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)) }),
  activities,
  maxConcurrentActivityTaskExecutions: max,
  maxConcurrentLocalActivityExecutions: max,
  // Idle builds wait in an activity; evicted workflows replay their dozen events when it completes.
  maxCachedWorkflows: Number(process.env.MAX_CACHED_WORKFLOWS ?? 10),
  workflowThreadPoolSize: 1,
});
process.stdout.write('worker-ready\n');
if (process.env.DEBUG_MEMORY) {
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(
      `[worker memory] rss ${(m.rss / 2 ** 20).toFixed(0)} MiB, main heap ${(m.heapUsed / 2 ** 20).toFixed(0)} of ${(m.heapTotal / 2 ** 20).toFixed(0)} MiB, external ${(m.external / 2 ** 20).toFixed(0)} MiB\n`,
    );
  }, 3000).unref();
}
await worker.run();
await handOverWaits(activities);

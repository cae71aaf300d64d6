/**
 * `npm start -w @cube-jobs/demo-worker`: runs the worker alone against a configured Temporal and
 * Cube (TEMPORAL_ADDRESS, CUBE_API_URL and CUBE_API_SECRET or CUBE_API_TOKEN) until Ctrl-C.
 *
 * @module
 */
import { DemoConfigError, readDemoConfig } from './env.js';
import { checkCube, exitWith, parseFlags } from './first-run.js';
import { createDemoWorker } from './worker.js';

try {
  parseFlags(
    { options: {} },
    'Usage: npm start -w @cube-jobs/demo-worker (configured by TEMPORAL_* and CUBE_* variables)',
  );
  const config = readDemoConfig();
  if (!config.temporal || !config.cube) {
    throw new DemoConfigError([
      ...(config.temporal ? [] : ['TEMPORAL_ADDRESS: is required to run the worker alone (or use `npm run demo`)']),
      ...(config.cube ? [] : ['CUBE_API_URL: is required to run the worker alone (or use `npm run demo`)']),
    ]);
  }
  await checkCube(config.cube);
  const { worker, connection } = await createDemoWorker({
    ...config.temporal,
    taskQueue: config.taskQueue,
    cube: config.cube,
  });
  console.log(
    `Worker polling task queue "${config.taskQueue}" on ${config.temporal.connection.address ?? 'localhost:7233'}; Ctrl-C stops it.`,
  );
  try {
    await worker.run(); // the SDK shuts the worker down on SIGINT/SIGTERM
  } finally {
    await connection.close();
  }
} catch (error) {
  exitWith(error, 'cube-jobs worker: ');
}

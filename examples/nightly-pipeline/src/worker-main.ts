/** `npm run worker`: runs the pipeline's worker against TEMPORAL_ADDRESS and CUBE_API_URL until Ctrl-C. */
import { NativeConnection } from '@temporalio/worker';
import { createPipelineWorker } from './worker.js';

const { TEMPORAL_ADDRESS = 'localhost:7233', CUBE_API_URL, CUBE_API_SECRET } = process.env;
if (!CUBE_API_URL || !CUBE_API_SECRET) {
  console.error('Set CUBE_API_URL and CUBE_API_SECRET');
  process.exit(2);
}
const connection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
const worker = await createPipelineWorker({
  connection,
  taskQueue: 'nightly-pipeline',
  cubeApiUrl: CUBE_API_URL,
  cubeApiSecret: CUBE_API_SECRET,
});
await worker.run();
await connection.close();

/** `npm run start-pipeline -- 2024-02-15`: starts the pipeline for a day and prints its result. */
import { Client, Connection } from '@temporalio/client';
import { nightlyPipeline } from './workflows.js';

const day = process.argv[2] ?? new Date().toISOString().slice(0, 10);
const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
const client = new Client({ connection });
const result = await client.workflow.execute(nightlyPipeline, {
  taskQueue: 'nightly-pipeline',
  workflowId: `nightly-pipeline-${day}`,
  args: [{ day, tenants: ['acme', 'globex'] }],
});
console.log(JSON.stringify(result));
await connection.close();

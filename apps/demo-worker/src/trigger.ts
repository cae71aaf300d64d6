/**
 * `npm run trigger -- --pre-aggregation orders.by_month --date-range 2024-01-01,2024-01-31 --wait`:
 * starts `buildPreAggregations` on a running worker (e.g. `npm run demo -- --keep-running`) with a
 * deterministic workflow id, and with `--wait` follows its progress to the end.
 *
 * Flags: `--pre-aggregation <id>` and `--cube <name>` (repeatable), `--date-range <start>,<end>`,
 * `--timezone <IANA name>` (repeatable, default UTC), `--wait`. Temporal settings come from the
 * environment (TEMPORAL_ADDRESS, default localhost:7233; TEMPORAL_NAMESPACE; TEMPORAL_TASK_QUEUE).
 *
 * @module
 */
import { parseSelector } from '@cube-jobs/core';
import { buildPreAggregations, buildWorkflowId, CUBE_JOBS_TASK_QUEUE } from '@cube-jobs/temporal-workflows';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { CommandExit, EXIT_CODES, exitWith, firstLine, parseFlags } from './first-run.js';
import { followBuild, shortTableName } from './progress.js';

const USAGE =
  'Usage: npm run trigger -- [--pre-aggregation <id>]… [--cube <name>]… [--date-range <start>,<end>] [--timezone <zone>]… [--wait]';

try {
  const { values } = parseFlags(
    {
      options: {
        'pre-aggregation': { type: 'string', multiple: true },
        cube: { type: 'string', multiple: true },
        'date-range': { type: 'string' },
        timezone: { type: 'string', multiple: true },
        wait: { type: 'boolean', default: false },
      },
    },
    USAGE,
  );
  const dateRange = values['date-range']?.split(',').map((part) => part.trim());
  // Validated here, before anything is started, with the same schema the workflow uses.
  const selector = parseSelector({
    contexts: [{ securityContext: {} }],
    timezones: values.timezone ?? ['UTC'],
    ...(values['pre-aggregation'] ? { preAggregations: values['pre-aggregation'] } : {}),
    ...(values.cube ? { cubes: values.cube } : {}),
    ...(dateRange ? { dateRange } : {}),
  });

  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  const connection = await Connection.connect(config.connectionOptions).catch((error: unknown) => {
    throw new CommandExit(
      `Cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): ${firstLine((error as Error).message)}`,
      EXIT_CODES.unavailable,
      { cause: error },
    );
  });
  const client = new Client({ connection, namespace: config.namespace ?? 'default' });
  const workflowId = buildWorkflowId(selector, { deployment: 'demo' });
  const handle = await client.workflow.start(buildPreAggregations, {
    taskQueue: process.env.TEMPORAL_TASK_QUEUE || CUBE_JOBS_TASK_QUEUE,
    workflowId,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ selector, wait: { pollInterval: '200ms', maxPollInterval: '5s' } }],
  });
  console.log(`Started ${workflowId}`);
  if (values.wait) {
    try {
      const result = await followBuild(handle, handle.result());
      console.log(`Succeeded: ${result.counts.done} job(s) in ${(result.durationMs / 1000).toFixed(1)} s`);
      for (const job of result.jobs) console.log(`  ${shortTableName(job.table)}  ${job.state}`);
    } catch (error) {
      console.error(error instanceof WorkflowFailedError ? `Failed: ${error.cause?.message ?? error.message}` : error);
      process.exitCode = EXIT_CODES.failed;
    }
  }
  await connection.close();
} catch (error) {
  exitWith(error, 'cube-jobs trigger: ');
}

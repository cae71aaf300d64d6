/**
 * Temporal access for the commands, configured like the worker: `TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*` or a `TEMPORAL_PROFILE` (through
 * `@temporalio/envconfig`), and `TEMPORAL_TASK_QUEUE`.
 *
 * @module
 */
import { CUBE_JOBS_TASK_QUEUE } from '@cube-jobs/temporal-workflows/workflow-safe';
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { CliError, EXIT_CODES, firstLine } from './exit.js';

/** A connected Temporal client, its task queue, and how to close it. */
export interface TemporalAccess {
  readonly client: Client;
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  close(): Promise<void>;
}

/** Connects, or says which address could not be reached (exit 3). */
export async function connectTemporal(
  taskQueue?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TemporalAccess> {
  let config: ReturnType<typeof loadClientConnectConfig>;
  try {
    const vars = Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    config = loadClientConnectConfig({ overrideEnvVars: vars });
  } catch (error) {
    throw new CliError(`Temporal connection settings: ${firstLine((error as Error).message)}`, EXIT_CODES.usage, {
      cause: error,
    });
  }
  const address = config.connectionOptions.address ?? 'localhost:7233';
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...config.connectionOptions, connectTimeout: '5s' });
  } catch (error) {
    throw new CliError(
      `Cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): ${firstLine((error as Error).message)}`,
      EXIT_CODES.unavailable,
      {
        cause: error,
      },
    );
  }
  const namespace = config.namespace ?? 'default';
  return {
    client: new Client({ connection, namespace }),
    address,
    namespace,
    taskQueue: taskQueue ?? (env.TEMPORAL_TASK_QUEUE?.trim() || CUBE_JOBS_TASK_QUEUE),
    close: () => connection.close(),
  };
}

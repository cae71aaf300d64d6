/**
 * The sample Cube deployment: a real Cube 1.7.43 with an embedded DuckDB database and a sample model
 * (`orders.by_month` in six monthly partitions, `orders.by_status`, `customers.by_region`, and the
 * opt-in `broken.broken_rollup`).
 *
 * @module
 */
export { readConfig, type SampleCubeConfig } from './config.js';
export { listDuckDbTables, seedDuckDb, SEED_STATEMENTS } from './seed.js';
export { startSampleCube, resolveApiSecret, type RunningSampleCube } from './server.js';
export { SampleCubeDataDirBusyError } from './data-lock.js';
export { defaultDataDir, spawnSampleCube, type SpawnSampleCubeOptions, type SpawnedSampleCube } from './spawn.js';

/** Model facts the conformance scenarios need, for this deployment with the broken cube enabled. */
export const sampleModelFacts = {
  partitioned: 'orders.by_month',
  partitionCount: 6,
  oneMonth: ['2024-02-01', '2024-02-29'] as const,
  cube: 'orders',
  cubeJobCount: 7,
  defaultDataSourceJobCount: 10,
  broken: 'broken.broken_rollup',
};
export {
  PostgresUnavailableError,
  startPostgres,
  type StartPostgresOptions,
  type StartedPostgres,
} from './postgres.js';

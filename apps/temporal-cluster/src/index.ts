/**
 * `@cube-jobs/temporal-cluster` (private, not published): a production-shaped Temporal for the project's
 * tests, `npm run test:cluster` and the fault suite's `--temporal=cluster`: Temporal Server built from its
 * Go module, on PostgreSQL with SQL visibility, its services in processes of their own.
 *
 * @module
 */
export { startTemporalCluster, type TemporalCluster, type TemporalClusterOptions } from './cluster.js';
export { resolveTemporalServer, TEMPORAL_SERVER_VERSION, type TemporalServerBinaries } from './server-binaries.js';

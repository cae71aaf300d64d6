/**
 * Resolves the Temporal CLI (dev server) once per run, building it from its Go module into the cache
 * if needed, and hands its path to the test files. With `CUBE_JOBS_TEST_TEMPORAL=cluster` (`npm run
 * test:cluster`), it starts the production-shaped cluster instead (Temporal Server on PostgreSQL with SQL
 * visibility, several history hosts), registers the cube-jobs search attributes on its `default`
 * namespace, and every test file of the run uses that cluster.
 */
import { resolveTemporalCli } from '@cube-jobs/testing';
import { startTemporalCluster } from '@cube-jobs/temporal-cluster';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestProject } from 'vitest/node';
import { CUBE_JOBS_SEARCH_ATTRIBUTES } from '../src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `server.executable` of `createLocalTestEnvironment`: the resolved CLI, else the SDK's download. */
    temporalExecutable: { type: 'existing-path'; path: string } | { type: 'cached-download' };
    /** The cluster's frontend when the run is on the cluster (`CUBE_JOBS_TEST_TEMPORAL=cluster`). */
    temporalCluster: { address: string } | undefined;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.CUBE_JOBS_TEST_TEMPORAL === 'cluster') {
    const cluster = await startTemporalCluster({ log: (message) => console.log(`[temporal-cluster] ${message}`) });
    const connection = await Connection.connect({ address: cluster.address });
    try {
      await connection.operatorService.addSearchAttributes({
        namespace: cluster.namespace,
        searchAttributes: Object.fromEntries(
          Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES).map((key) => [
            key.name,
            temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`],
          ]),
        ),
      });
    } finally {
      await connection.close();
    }
    project.provide('temporalExecutable', { type: 'cached-download' });
    project.provide('temporalCluster', { address: cluster.address });
    return () => cluster.stop();
  }
  const cli = await resolveTemporalCli({ log: (message) => console.log(`[temporal-cli] ${message}`) });
  console.log(`[temporal-cli] using ${cli ? cli.path : "the SDK's download"}`);
  project.provide('temporalExecutable', cli ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' });
  project.provide('temporalCluster', undefined);
  return undefined;
}

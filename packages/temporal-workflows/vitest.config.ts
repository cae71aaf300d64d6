import { workspaceTestConfig } from '../../vitest.base.js';

// The global setup resolves (or builds, once) the Temporal CLI, hence the long hook timeout; with
// CUBE_JOBS_TEST_TEMPORAL=cluster it starts the cluster, and the *.cluster.test.ts files run there only.
export default workspaceTestConfig({
  servers: true,
  testTimeout: 60_000,
  hookTimeout: 15 * 60_000,
  globalSetup: ['./test/global-setup.ts'],
  exclude: process.env.CUBE_JOBS_TEST_TEMPORAL === 'cluster' ? [] : ['test/**/*.cluster.test.ts'],
});

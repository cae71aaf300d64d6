import { workspaceTestConfig } from '../../vitest.base.js';

// The global setup resolves (or builds, once) the Temporal CLI, hence the long hook timeout.
export default workspaceTestConfig({
  servers: true,
  testTimeout: 60_000,
  hookTimeout: 15 * 60_000,
  globalSetup: ['./test/global-setup.ts'],
});

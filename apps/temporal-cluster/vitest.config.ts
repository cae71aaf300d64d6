import { workspaceTestConfig } from '../../vitest.base.js';

// Starting the cluster builds Temporal Server from its Go module once (minutes), hence the long hook timeout.
export default workspaceTestConfig({ servers: true, testTimeout: 120_000, hookTimeout: 15 * 60_000 });

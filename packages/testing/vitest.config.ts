import { workspaceTestConfig } from '../../vitest.base.js';

// test-environment.test.ts starts Temporal dev servers: one file at a time.
export default workspaceTestConfig({ servers: true });

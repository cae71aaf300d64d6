import { workspaceTestConfig } from '../../vitest.base.js';

export default workspaceTestConfig({ servers: true, testTimeout: 120_000, hookTimeout: 120_000 });

import { workspaceTestConfig } from '../../vitest.base.js';

export default workspaceTestConfig({ servers: true, testTimeout: 90_000, hookTimeout: 300_000 });

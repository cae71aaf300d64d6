import { workspaceTestConfig } from '../../vitest.base.js';

export default workspaceTestConfig({ servers: true, testTimeout: 30_000 });

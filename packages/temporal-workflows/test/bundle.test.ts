import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from '../src/index.js';

/** Every entry that claims to be safe in the workflow sandbox, as a module path. */
const SANDBOX_SAFE_ENTRIES = {
  '@cube-jobs/temporal-workflows/workflows': workflowsPath,
  '@cube-jobs/temporal-workflows/workflow': fileURLToPath(new URL('../src/workflow.ts', import.meta.url)),
  '@cube-jobs/core/protocol': createRequire(import.meta.url).resolve('@cube-jobs/core/protocol'),
};

describe('workflow bundle', () => {
  test.each(Object.entries(SANDBOX_SAFE_ENTRIES))(
    '%s bundles with no Node built-ins and none of the worker-side code',
    async (_entry, path) => {
      const { code } = await bundleWorkflowCode({ workflowsPath: path, logger: new DefaultLogger('WARN') });
      expect(code.length).toBeGreaterThan(0);
      // The bundler refuses Node built-ins; make sure nothing worker-side slipped in by another path.
      for (const forbidden of [
        'node:crypto',
        'node:http',
        'node:fs',
        // Definitions, not names: failure messages may mention these.
        'function createCubeJobsClient',
        'SignJWT',
        'function createCubeJobsActivities',
        'class SimplePlugin',
      ]) {
        expect(code, forbidden).not.toContain(forbidden);
      }
    },
  );

  test('the workflow entry carries the workflow and what workflow code needs', async () => {
    const entry = await import('../src/workflow.js');
    expect(typeof entry.buildPreAggregations).toBe('function');
    expect(entry.BUILD_FAILURE_TYPES.buildFailed).toBe('PreAggregationBuildFailedError');
    expect(entry.CUBE_JOBS_TASK_QUEUE).toBe('cube-jobs');
    expect(typeof entry.parseSelector).toBe('function');
    expect(entry.getBuildProgress.name).toBe('getBuildProgress');
  });
});

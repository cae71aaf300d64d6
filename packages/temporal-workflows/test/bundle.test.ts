import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from '../src/index.js';

/** Every entry that claims to be safe in the workflow sandbox, as a module path. */
const SANDBOX_SAFE_ENTRIES = {
  '@cube-jobs/temporal-workflows/workflows': workflowsPath,
  '@cube-jobs/temporal-workflows/workflow-safe': fileURLToPath(new URL('../src/workflow-safe.ts', import.meta.url)),
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
});

describe('entry points', () => {
  test('the workflow-safe entry carries the workflow, its query, the Nexus service and the task queue (and types)', async () => {
    const entry = await import('../src/workflow-safe.js');
    expect(Object.keys(entry).sort()).toEqual([
      'CUBE_JOBS_TASK_QUEUE',
      'buildPreAggregations',
      'cubeJobsNexusService',
      'getBuildProgress',
    ]);
    expect(entry.CUBE_JOBS_TASK_QUEUE).toBe('cube-jobs');
    expect(entry.getBuildProgress.name).toBe('getBuildProgress');
    expect(entry.cubeJobsNexusService.name).toBe('cube-jobs');
    expect(Object.keys(entry.cubeJobsNexusService.operations).sort()).toEqual([
      'buildPreAggregations',
      'requestRefresh',
    ]);
  });

  test('the workflows module exports the workflows and their query and update, nothing else', async () => {
    const entry: Record<string, unknown> = await import('../src/workflows.js');
    const functions = Object.keys(entry).filter((name) => typeof entry[name] === 'function');
    expect(functions.sort()).toEqual(['buildPreAggregations', 'refreshPreAggregations']);
    expect(Object.keys(entry).sort()).toEqual([
      'buildPreAggregations',
      'getBuildProgress',
      'getRefreshState',
      'refreshPreAggregations',
      'requestRefreshUpdate',
    ]);
  });

  test('the package root and the workflow-safe entry share no name', async () => {
    const root = Object.keys(await import('../src/index.js'));
    const workflowSafe = Object.keys(await import('../src/workflow-safe.js'));
    expect(root.filter((name) => workflowSafe.includes(name))).toEqual([]);
  });
});

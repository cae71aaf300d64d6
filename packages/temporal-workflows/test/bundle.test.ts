import { describe, expect, test } from 'vitest';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowsPath } from '../src/index.js';

describe('workflow bundle', () => {
  test('bundles with no Node built-ins and none of the worker-side code', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    expect(code).toContain('buildPreAggregations');
    // The bundler refuses Node built-ins; make sure nothing worker-side slipped in by another path.
    for (const forbidden of [
      'node:crypto',
      'node:http',
      'createCubeJobsClient',
      'SignJWT',
      'createCubeJobsActivities',
    ]) {
      expect(code, forbidden).not.toContain(forbidden);
    }
  });
});

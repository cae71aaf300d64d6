/**
 * Readable timelines: activity summaries, the workflow's current details, static summaries and the memo
 * of workflows our helpers start, on a real dev server. Security-context values never appear.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { parseSelector } from '@cube-jobs/core';
import { cubeJobsPlugin, requestRefresh } from '../src/index.js';
import { refreshWorkflowId } from '../src/refresh-client.js';
import { describeSelector } from '../src/summaries.js';
import { buildPreAggregations } from '../src/workflow-safe.js';
import { baseSelector, startCube, useBuildEnvironment, workflowBundle } from './environment.js';

const build = useBuildEnvironment();

describe('describeSelector', () => {
  test('what it builds, the range, the zones and how many contexts, never their values', () => {
    expect(
      describeSelector(
        parseSelector({
          contexts: [{ securityContext: { tenant: 'acme-secret-tenant' } }, { securityContext: { tenant: 'b' } }],
          timezones: ['UTC', 'America/New_York', 'Asia/Kolkata'],
          preAggregations: ['orders.by_month'],
          dateRange: ['2024-01-01', '2024-06-30'],
        }),
      ),
    ).toBe('orders.by_month · 2024-01-01…2024-06-30 · UTC, America/New_York +1 more · 2 contexts');
    expect(describeSelector(parseSelector({ ...baseSelector, cubes: ['orders', 'customers'] }))).toBe(
      'cubes orders, customers · UTC',
    );
    expect(describeSelector(parseSelector(baseSelector))).toBe('every pre-aggregation · UTC');
    const long = describeSelector(
      parseSelector({ ...baseSelector, preAggregations: ['a'.repeat(60) + '.x', 'b'.repeat(60) + '.y'] }),
    );
    expect(long.length).toBe(120);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('the timeline of a build', () => {
  test('activity summaries, current details, and the static summary and memo of a refresh', async () => {
    const { client } = await startCube();
    const taskQueue = `timeline-${randomUUID()}`;
    const worker = await Worker.create({
      connection: build.env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      plugins: [cubeJobsPlugin({ client })],
    });
    const selector = {
      contexts: [{ securityContext: { tenant: 'hidden-tenant' } }],
      timezones: ['UTC'],
      preAggregations: ['orders.by_month'],
    };
    const workflowId = `timeline-${randomUUID()}`;
    const deployment = randomUUID();
    await worker.runUntil(async () => {
      const handle = await build.env.client.workflow.start(buildPreAggregations, {
        taskQueue,
        workflowId,
        args: [{ selector, wait: { pollInterval: 50 } }],
      });
      await handle.result();
      const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      expect(metadata.currentDetails).toBe('succeeded: orders.by_month · UTC (6/6 done)');

      const events = (await handle.fetchHistory()).events ?? [];
      const summaries = events
        .map((event) => event.userMetadata?.summary?.data)
        .filter((data): data is Uint8Array => data instanceof Uint8Array)
        .map((data) => JSON.parse(Buffer.from(data).toString()) as string);
      expect(summaries).toEqual(['trigger orders.by_month · UTC', 'wait for 6 job(s)']);
      expect(JSON.stringify(summaries)).not.toContain('hidden-tenant');

      await requestRefresh(build.env.client, selector, { taskQueue, deployment, wait: { pollInterval: 50 } });
      const described = await build.env.client.workflow
        .getHandle(refreshWorkflowId(selector, { deployment }))
        .describe();
      expect(await described.staticSummary()).toBe('refresh on request: orders.by_month · UTC');
      expect(described.memo).toEqual({ selector: 'orders.by_month · UTC' });
    });
  });
});

/**
 * Determinism guard: committed histories (recorded from real runs) must replay against the current
 * workflow code. Once published, change the workflow in a way that breaks them only behind `patched()`.
 * Record new ones with RECORD_HISTORIES=1 (writes test/histories/*.json).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FakeCubeModel } from '@cube-jobs/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { requestRefresh } from '../src/index.js';
import { buildPreAggregations, type BuildPreAggregationsInput } from '../src/workflow-safe.js';
import {
  baseSelector,
  createWorker,
  fastWait,
  quietRuntime,
  startCube,
  startTemporal,
  workflowBundle,
} from './environment.js';
import { februaryRows, ordersByMonth } from './selectors.js';

const folder = new URL('./histories/', import.meta.url);
const committed = readdirSync(folder).filter((name) => name.endsWith('.json'));

describe('replay', () => {
  test.each(committed)('%s replays against the current workflow code', async (name) => {
    quietRuntime();
    const history = historyFromJSON(JSON.parse(readFileSync(new URL(name, folder), 'utf8')));
    // The recorders start each workflow as `record-<name>` (the refresh workflow's child ids include it).
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle() },
      history,
      `record-${name.replace(/\.json$/, '')}`,
    );
  });

  test('histories are committed', () => {
    expect(committed.length).toBeGreaterThanOrEqual(6);
  });
});

/** `orders.by_month` over two months, whose first build of a partition ends `missing_partition`. */
function missingOnce(): FakeCubeModel {
  let builds = 0;
  return ordersByMonth(['2024-01-01', '2024-02-29'], () =>
    builds++ === 0 ? { kind: 'missing_partition' } : { kind: 'done' },
  );
}

describe.runIf(process.env.RECORD_HISTORIES === '1')('recording', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startTemporal();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const cases: Array<[string, BuildPreAggregationsInput, Parameters<typeof startCube>[0]]> = [
    ['build-success', { selector: { ...baseSelector, cubes: ['orders'] }, wait: fastWait }, {}],
    ['build-failure', { selector: { ...baseSelector, cubes: ['broken', 'customers'] }, wait: fastWait }, {}],
    [
      // The first build of January stays missing_partition past the confirm period: posted again, once.
      'retrigger-missing-partition',
      {
        selector: { ...baseSelector, preAggregations: ['orders.by_month'] },
        wait: fastWait,
        policy: { ambiguousConfirm: 300 },
      },
      { model: missingOnce() },
    ],
    [
      // Cube refuses the first 3 posts: the trigger's backoffs after the first are durable timers.
      'trigger-backoff-timers',
      { selector: { ...baseSelector, preAggregations: ['orders.by_status'] }, wait: fastWait },
      { faults: [{ kind: 'reset', action: 'post', times: 3 }] },
    ],
    [
      // February is done with no rows: verification fails it, it is posted again, then verified.
      'verify-retrigger',
      {
        selector: { ...baseSelector, preAggregations: ['orders.by_month'] },
        wait: fastWait,
        policy: { onFailure: 'retrigger' },
        verify: { minRows: 1 },
      },
      { model: ordersByMonth(['2024-01-01', '2024-02-29'], { rows: februaryRows([0, 5], 5) }) },
    ],
  ];

  test.each(cases)('records %s', async (name, input, cubeOptions) => {
    const { cube, client } = await startCube(cubeOptions);
    const { worker, taskQueue } = await createWorker(env, client);
    const handle = await env.client.workflow.start(buildPreAggregations, {
      taskQueue,
      workflowId: `record-${name}`,
      args: [input],
    });
    await worker.runUntil(handle.result().catch(() => undefined));
    await cube.stop();
    writeFileSync(new URL(`${name}.json`, folder), `${historyToJSON(await handle.fetchHistory())}\n`);
  });

  test('records refresh-two-requests', async () => {
    const { cube, client } = await startCube();
    const { worker, taskQueue } = await createWorker(env, client);
    const workflowId = 'record-refresh-two-requests';
    const options = { taskQueue, workflowId, idleTimeout: '1s', wait: fastWait } as const;
    const selector = { ...baseSelector, preAggregations: ['orders.by_status'] };
    await worker.runUntil(async () => {
      await requestRefresh(env.client, selector, options);
      await requestRefresh(env.client, selector, options);
      await env.client.workflow.getHandle(workflowId).result();
    });
    await cube.stop();
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(new URL('refresh-two-requests.json', folder), `${historyToJSON(history)}\n`);
  });
});

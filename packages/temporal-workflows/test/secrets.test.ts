/**
 * Secrets never reach workflow history or worker logs: not the API secret, not any JWT the client
 * minted, not even when Cube quotes them back in an error.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildPreAggregations } from '../src/workflow-safe.js';
import { baseSelector, capturedLogs, createWorker, fastWait, startCube, startTemporal } from './environment.js';

/** The history as text with every payload decoded, so a secret inside a payload would show. */
function readableHistory(history: unknown): string {
  return JSON.stringify(history, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  );
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTemporal();
});
afterAll(async () => {
  await env?.teardown();
});

test('no API secret or JWT in any history or log, on success and on failures that quote them', async () => {
  const apiSecret = 'secret-scan-api-secret-7f3a9c1e5b';
  const { cube, client } = await startCube({ apiSecret, buildDurationMs: 30 });
  const { worker, taskQueue } = await createWorker(env, client);
  const histories: string[] = [];
  const run = async (id: string, selector: object) => {
    const handle = await env.client.workflow.start(buildPreAggregations, {
      taskQueue,
      workflowId: `${id}-${Date.now()}`,
      args: [{ selector: { ...baseSelector, ...selector }, wait: fastWait }],
    });
    await handle.result().catch(() => undefined);
    histories.push(readableHistory(await handle.fetchHistory()));
  };
  await worker.runUntil(async () => {
    await run('ok', { cubes: ['orders'] });
    await run('broken', { cubes: ['broken'] });
    // Cube quoting the secret back in a 400 (non-retryable) and in a 500 (retried, then it succeeds).
    cube.setFaults([
      { kind: 'http-error', status: 400, action: 'post', times: 1, body: { error: `cannot use secret ${apiSecret}` } },
    ]);
    await run('quoted-400', { cubes: ['customers'] });
    cube.setFaults([
      { kind: 'http-error', status: 500, action: 'get', times: 2, body: { error: `TypeError: secret=${apiSecret}` } },
    ]);
    await run('quoted-500', { cubes: ['customers'] });
  });
  await cube.stop();

  const jwts = [
    ...new Set(cube.requests.map((r) => r.headers.authorization).filter((h): h is string => typeof h === 'string')),
  ];
  expect(jwts).not.toHaveLength(0);
  expect(histories).toHaveLength(4);
  const haystacks = { histories: histories.join('\n'), logs: capturedLogs.join('\n') };
  // The quoted secret did reach the workflow, as a redacted failure message.
  expect(haystacks.histories).toContain('cannot use secret [REDACTED]');
  expect(haystacks.histories).toContain('buildPreAggregations');
  for (const [where, text] of Object.entries(haystacks)) {
    expect(text, where).not.toContain(apiSecret);
    for (const jwt of jwts) {
      expect(text, where).not.toContain(jwt);
      expect(text, where).not.toContain(jwt.split('.')[2]);
    }
  }
});

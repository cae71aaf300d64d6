/**
 * The worker as a deployment runs it: pre-bundled workflow code, a health endpoint, and SIGTERM. Runs
 * the compiled `worker-main` in its own process against a real dev server and the fake Cube.
 */
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, startFakeCube, type FakeCube } from '@cube-jobs/testing';
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import { buildPreAggregations } from '@cube-jobs/temporal-workflows/workflow-safe';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';

const program = (name: string) => fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url));

let env: TestWorkflowEnvironment;
let cube: FakeCube;
let dir: string;
beforeAll(async () => {
  env = await createLocalTestEnvironment();
  cube = await startFakeCube({ buildDurationMs: 100 });
  dir = mkdtempSync(join(tmpdir(), 'worker-process-'));
}, 300_000);
afterAll(async () => {
  await cube?.stop();
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

test('a pre-bundled worker reports ready, builds, and exits 0 on SIGTERM', async () => {
  const bundlePath = join(dir, 'workflow-bundle.js');
  await promisify(execFile)(process.execPath, [program('bundle-workflows'), bundlePath]);
  expect(existsSync(bundlePath)).toBe(true);

  const healthPort = await freePort();
  const taskQueue = `deployed-${Date.now()}`;
  const child = spawn(process.execPath, [program('worker-main')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: cube.apiSecret,
      CUBE_JOBS_WORKFLOW_BUNDLE: bundlePath,
      HEALTH_PORT: String(healthPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const health = (path: string) => fetch(`http://127.0.0.1:${healthPort}${path}`);
    // Ready once it polls.
    let ready: Response | undefined;
    for (let i = 0; i < 300 && ready?.status !== 200; i += 1) {
      ready = await health('/readyz').catch(() => undefined);
      if (ready?.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready?.status, output).toBe(200);
    expect(await ready?.text()).toBe('RUNNING\n');
    expect((await health('/healthz')).status).toBe(200);
    expect((await health('/elsewhere')).status).toBe(404);
    expect(output).toContain(`health on port ${healthPort}`);

    const result = await env.client.workflow.execute(buildPreAggregations, {
      taskQueue,
      workflowId: `deployed-${Date.now()}`,
      args: [{ selector: { contexts: [{ securityContext: {} }], timezones: ['UTC'], cubes: ['orders'] } }],
    });
    expect(result.outcome).toBe('succeeded');

    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, output).toBe(0);
    await expect(health('/healthz')).rejects.toThrow();
    expect(output).not.toContain(cube.apiSecret);
  } finally {
    child.kill('SIGKILL');
  }
});

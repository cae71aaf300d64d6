/**
 * A rolling upgrade under Worker Deployment Versioning, on a real server: builds start on version v1 of a
 * deployment and wait on Cube; v2 starts and becomes the current version; v1 shuts down while the builds
 * wait. The workers' default behavior is PINNED on purpose: the build workflow declares AUTO_UPGRADE
 * itself, so every build moves to v2 and finishes there, its wait taken over by v2's worker, one post each.
 * Runs on the dev server (`npm test`) and on the cluster (`npm run test:cluster`).
 */
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { cubeJobsPlugin } from '../src/index.js';
import { buildPreAggregations } from '../src/workflow-safe.js';
import { baseSelector, startCube, useBuildEnvironment, workflowBundle } from './environment.js';

const build = useBuildEnvironment();

const AUTO_UPGRADE = temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE;

/** Retries `attempt` until it succeeds (the server learns a version from its worker's first poll), for up to 30 s. */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe('rolling upgrade with Worker Deployment Versioning', () => {
  test('builds started on v1 finish on v2 after v2 becomes current and v1 shuts down, one post each', async () => {
    const { cube, client } = await startCube({ buildDurationMs: 12_000, concurrency: 100 });
    const deploymentName = `cube-jobs-${randomUUID()}`;
    const taskQueue = `rolling-upgrade-${randomUUID()}`;
    const { env } = build;
    const workerAt = async (buildId: string) =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        identity: `worker-${buildId}`,
        workflowBundle: await workflowBundle(),
        // The plugin, as a user's worker has it: when a worker stops, it hands its waits over at once.
        plugins: [cubeJobsPlugin({ client })],
        workerDeploymentOptions: {
          version: { deploymentName, buildId },
          useWorkerVersioning: true,
          defaultVersioningBehavior: 'PINNED',
        },
      });
    const makeCurrent = (buildId: string) =>
      eventually(() =>
        env.client.workflowService.setWorkerDeploymentCurrentVersion({
          namespace: 'default',
          deploymentName,
          buildId,
          identity: 'rolling-upgrade-test',
        }),
      );

    const v1 = await workerAt('v1');
    const v1Running = v1.run();
    await makeCurrent('v1');
    const ids = [0, 1, 2].map((i) => `rolling-${i}-${randomUUID()}`);
    const handles = await Promise.all(
      ids.map((workflowId, i) =>
        env.client.workflow.start(buildPreAggregations, {
          taskQueue,
          workflowId,
          args: [
            {
              selector: {
                ...baseSelector,
                preAggregations: ['orders.by_month'],
                contexts: [{ securityContext: { tenant: `t${i}` } }],
              },
              wait: { pollInterval: 100, maxPollInterval: 500, heartbeatTimeout: '2s' },
            },
          ],
        }),
      ),
    );
    while (cube.posts().length < ids.length) await new Promise((resolve) => setTimeout(resolve, 50));

    // The upgrade, while every build waits on Cube: v2 polls, becomes current, v1 leaves.
    const v2 = await workerAt('v2');
    const results = await v2.runUntil(async () => {
      await makeCurrent('v2');
      v1.shutdown();
      await v1Running;
      return Promise.all(handles.map((handle) => handle.result()));
    });

    expect(results.map((result) => result.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const id of ids) {
      expect(cube.posts().filter((r) => String(r.headers['x-request-id'] ?? '').startsWith(`${id}:`))).toHaveLength(1);
    }
    for (const handle of handles) {
      const events = (await handle.fetchHistory()).events ?? [];
      const completions = events.flatMap((event) => event.workflowTaskCompletedEventAttributes ?? []);
      // The first workflow task ran on v1 and declared AUTO_UPGRADE (the workers' default is PINNED)…
      expect(completions[0]?.deploymentVersion?.buildId).toBe('v1');
      expect(completions[0]?.versioningBehavior).toBe(AUTO_UPGRADE);
      // …the last one ran on v2, and v1 handed its wait over when it stopped: the second attempt, on v2.
      expect(completions.at(-1)?.deploymentVersion?.buildId).toBe('v2');
      const waitStarts = events.flatMap((event) => event.activityTaskStartedEventAttributes ?? []);
      expect(waitStarts.at(-1)).toMatchObject({ identity: 'worker-v2', attempt: 2 });
      const described = await handle.describe();
      expect(described.raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId).toBe('v2');
    }
  });
});

describe('a worker with a deployment version but versioning off', () => {
  test('is refused when it is created, saying why (the server would reject every workflow task of a build)', async () => {
    const { client } = await startCube();
    const created = Worker.create({
      connection: build.env.nativeConnection,
      taskQueue: `unversioned-${randomUUID()}`,
      workflowBundle: await workflowBundle(),
      plugins: [cubeJobsPlugin({ client })],
      workerDeploymentOptions: {
        version: { deploymentName: `d-${randomUUID()}`, buildId: 'v1' },
        useWorkerVersioning: false,
      },
    });
    await expect(created).rejects.toThrow(/useWorkerVersioning is false.*set useWorkerVersioning: true/);
  });
});

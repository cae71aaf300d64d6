/**
 * `npm run bench:trigger`: what the trigger costs as a local activity (what `buildPreAggregations` does)
 * against a normal activity, in history events, for a build whose Cube answers at once and for one whose
 * Cube refuses the first posts. Prints a table; the README's "Trigger: local or normal activity" quotes it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { createCubeJobsClient } from '@cube-jobs/core';
import { createCubeJobsActivities } from '@cube-jobs/temporal-activities';
import { createLocalTestEnvironment } from '@cube-jobs/testing/temporal';
import { startFakeCube, type FaultRule } from '@cube-jobs/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { say } from './report.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'], cubes: ['orders'] };
const kinds = [
  { kind: 'local activity (ours)', workflow: 'buildPreAggregations', args: { selector, wait: { pollInterval: 100 } } },
  { kind: 'normal activity', workflow: 'triggerAsActivityBuild', args: { selector } },
] as const;
const cases: ReadonlyArray<{ name: string; faults: FaultRule[] }> = [
  { name: 'Cube answers', faults: [] },
  { name: 'first 3 posts refused', faults: [{ kind: 'reset', action: 'post', times: 3 }] },
];

const env = await createLocalTestEnvironment();
const bundle = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)),
  logger: new DefaultLogger('WARN'),
});
say('Trigger as a local or a normal activity: history events of one 12-partition build (heartbeat wait)');
say('| case | trigger | events | workflow tasks | longest workflow task |');
say('|---|---|---:|---:|---:|');
try {
  for (const { name, faults } of cases) {
    for (const { kind, workflow, args } of kinds) {
      const cube = await startFakeCube({ buildDurationMs: 500 });
      cube.setFaults(faults);
      const client = createCubeJobsClient({ apiUrl: cube.url, apiSecret: cube.apiSecret });
      const taskQueue = `trigger-kind-${randomUUID()}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities: createCubeJobsActivities({ client }),
      });
      const workflowId = `trigger-kind-${randomUUID()}`;
      await worker.runUntil(env.client.workflow.execute(workflow, { taskQueue, workflowId, args: [args] }));
      const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const started = new Map<number, number>();
      let tasks = 0;
      let longestMs = 0;
      for (const event of events) {
        const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
        if (event.workflowTaskStartedEventAttributes) started.set(Number(event.eventId), at);
        const completed = event.workflowTaskCompletedEventAttributes;
        if (completed) {
          tasks += 1;
          longestMs = Math.max(longestMs, at - (started.get(Number(completed.startedEventId)) ?? at));
        }
      }
      say(`| ${name} | ${kind} | ${events.length} | ${tasks} | ${longestMs} ms |`);
      await cube.stop();
    }
  }
} finally {
  await env.teardown();
}

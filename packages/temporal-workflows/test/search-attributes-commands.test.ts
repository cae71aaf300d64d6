/**
 * The `temporal` commands we print for registering the search attributes, run as printed (with the
 * real Temporal CLI) against a dev server started without them: the ones the worker's start-check
 * error names, after which the same worker starts; and the README's, after which the namespace has
 * every attribute and the README's list query runs.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { CUBE_JOBS_SEARCH_ATTRIBUTES, cubeJobsPlugin, CubeJobsSearchAttributesMissingError } from '../src/index.js';
import { findMissingSearchAttributes } from '../src/search-attributes-check.js';
import { buildPreAggregations } from '../src/workflow-safe.js';
import { baseSelector, startCube, useBuildEnvironment } from './environment.js';
import { runPrinted, shellCommands } from './printed-commands.js';

/** The custom search attributes of `default` on the server, by name, as the operator API lists them. */
async function registeredAttributes(
  env: ReturnType<typeof useBuildEnvironment>['env'],
): Promise<Record<string, temporal.api.enums.v1.IndexedValueType>> {
  const response = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  return response.customAttributes ?? {};
}

/** Every cube-jobs attribute with the type the operator API reports for it. */
const expectedAttributes = Object.fromEntries(
  Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES).map((key) => [
    key.name,
    temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`],
  ]),
);

/** A worker on a fresh task queue with the plugin and search attributes on. */
async function searchAttributesWorker(env: ReturnType<typeof useBuildEnvironment>['env']) {
  const { client } = await startCube();
  const taskQueue = `sa-commands-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    plugins: [cubeJobsPlugin({ client, searchAttributes: true })],
  });
  return { worker, taskQueue };
}

describe("the start-check error's commands", () => {
  const build = useBuildEnvironment();

  test('run as printed, they register what the worker lacks, and the worker then starts', async () => {
    const first = await searchAttributesWorker(build.env);
    const error = await first.worker.run().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CubeJobsSearchAttributesMissingError);
    const message = (error as Error).message;
    const printed = [...message.matchAll(/`(temporal [^`]*)`/g)].map((match) => match[1]!);
    expect(printed.length, message).toBeGreaterThan(0);
    for (const line of printed) expect(await runPrinted(line, build.env.address)).toContain('have been added');

    // The start check passes this time (first on its own, for a readable failure), and the worker runs a build.
    expect((await findMissingSearchAttributes(build.env.connection, 'default')).map((key) => key.name)).toEqual([]);
    const second = await searchAttributesWorker(build.env);
    const result = await second.worker.runUntil(
      build.env.client.workflow.execute(buildPreAggregations, {
        taskQueue: second.taskQueue,
        workflowId: `sa-commands-${randomUUID()}`,
        args: [{ selector: { ...baseSelector, cubes: ['orders'] }, wait: { pollInterval: 50 } }],
      }),
    );
    expect(result.outcome).toBe('succeeded');
    expect(await registeredAttributes(build.env)).toMatchObject(expectedAttributes);
  });
});

describe("the README's commands", () => {
  const build = useBuildEnvironment();

  test('run as printed, they register every attribute, and its list query runs', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const creates = readme.match(/^temporal operator search-attribute create .*$/gm) ?? [];
    const lists = (readme.match(/^temporal workflow list .*$/gm) ?? []).filter((line) => line.includes('CubeJobs'));
    expect(creates.length).toBeGreaterThan(0);
    expect(lists.length).toBeGreaterThan(0);

    expect(await findMissingSearchAttributes(build.env.connection, 'default')).toHaveLength(
      Object.keys(CUBE_JOBS_SEARCH_ATTRIBUTES).length,
    );
    for (const line of creates) await runPrinted(line, build.env.address);
    expect(await registeredAttributes(build.env)).toMatchObject(expectedAttributes);
    expect(await findMissingSearchAttributes(build.env.connection, 'default')).toEqual([]);
    for (const line of lists) await runPrinted(line, build.env.address);
  });
});

describe('shellCommands', () => {
  test('splits words and && as sh does, and refuses what it does not handle', () => {
    expect(shellCommands(`temporal a --q "x = 'y'" 'b c'\\ d && temporal e`)).toEqual([
      ['temporal', 'a', '--q', "x = 'y'", 'b c d'],
      ['temporal', 'e'],
    ]);
    expect(() => shellCommands('temporal a | b')).toThrow(/Unsupported/);
    expect(() => shellCommands('temporal --address <host:port>')).toThrow(/Unsupported/);
    expect(() => shellCommands('temporal "$HOME"')).toThrow(/Unsupported/);
    expect(() => shellCommands('temporal a &&')).toThrow(/Unsupported/);
  });
});

/**
 * On the cluster only (`npm run test:cluster`; the default run leaves `*.cluster.test.ts` out): PostgreSQL
 * visibility's per-namespace limits on custom search attributes, measured on the real server, and the
 * cube-jobs attributes within them. On a fresh namespace, the commands the worker's start-check error
 * prints register them, after which every type still has room for the user's own; a namespace whose
 * KeywordList slots are full refuses them, as the error message warns.
 */
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { describe, expect, test } from 'vitest';
import { CUBE_JOBS_SEARCH_ATTRIBUTES } from '../src/index.js';
import {
  CubeJobsSearchAttributesMissingError,
  findMissingSearchAttributes,
  searchAttributesCreateCommand,
} from '../src/search-attributes-check.js';
import { useBuildEnvironment } from './environment.js';
import { runPrinted } from './printed-commands.js';

const build = useBuildEnvironment();
const { IndexedValueType } = temporal.api.enums.v1;

/** Registers a fresh namespace and waits until the frontend serves it. */
async function freshNamespace(): Promise<string> {
  const namespace = `visibility-${randomUUID()}`;
  const service = build.env.connection.workflowService;
  await service.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await service.listWorkflowExecutions({ namespace });
      return namespace;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Adds attributes `<prefix>1`, `<prefix>2`, … of `type` until the server refuses one: how many it took, and its refusal. */
async function fill(
  namespace: string,
  prefix: string,
  type: temporal.api.enums.v1.IndexedValueType,
): Promise<{ added: number; refusal: string }> {
  for (let added = 0; added < 50; added += 1) {
    try {
      await build.env.connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [`${prefix}${added + 1}`]: type },
      });
    } catch (error) {
      return { added, refusal: (error as Error).message };
    }
  }
  throw new Error(`The server took 50 ${prefix} attributes without a limit`);
}

describe('search attributes on PostgreSQL visibility', () => {
  test("the start check's commands register them on a fresh namespace, and every type keeps room for the user's own", async () => {
    const namespace = await freshNamespace();
    const missing = await findMissingSearchAttributes(build.env.connection, namespace);
    expect(missing.map((key) => key.name)).toEqual(Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES).map((key) => key.name));
    await runPrinted(searchAttributesCreateCommand(namespace, missing), build.env.address);
    expect(await findMissingSearchAttributes(build.env.connection, namespace)).toEqual([]);

    // The room left beside ours, measured by adding the user's own until the server refuses.
    const keyword = await fill(namespace, 'UserKeyword', IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    const keywordList = await fill(namespace, 'UserKeywordList', IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
    const int = await fill(namespace, 'UserInt', IndexedValueType.INDEXED_VALUE_TYPE_INT);
    console.log(
      `PostgreSQL visibility, room beside cube-jobs' attributes: Keyword ${keyword.added}, KeywordList ${keywordList.added}, Int ${int.added}; refusal: ${keyword.refusal}`,
    );
    // Limits of 10 Keyword and 3 of each other type, less the one of each type cube-jobs takes.
    expect({ keyword: keyword.added, keywordList: keywordList.added, int: int.added }).toEqual({
      keyword: 9,
      keywordList: 2,
      int: 2,
    });
    expect(keywordList.refusal).toMatch(/KeywordList|limit|exceed|too many/i);
  });

  test("a namespace whose KeywordList slots are full refuses ours, as the start check's error warns", async () => {
    const namespace = await freshNamespace();
    const taken = await fill(namespace, 'Theirs', IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
    expect(taken.added).toBe(3);
    const missing = await findMissingSearchAttributes(build.env.connection, namespace);
    const message = new CubeJobsSearchAttributesMissingError(namespace, missing).message;
    expect(message).toContain('at most 10 Keyword and 3 of each other type');
    await expect(runPrinted(searchAttributesCreateCommand(namespace, missing), build.env.address)).rejects.toThrow();
    expect((await findMissingSearchAttributes(build.env.connection, namespace)).map((key) => key.name)).toContain(
      CUBE_JOBS_SEARCH_ATTRIBUTES.targets.name,
    );
  });
});

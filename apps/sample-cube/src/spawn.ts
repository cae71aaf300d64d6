/**
 * Runs the sample Cube in a child process and waits until it accepts requests. Used by the demo and
 * by end-to-end tests, so Cube's process (and its database lock) is separate from theirs.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockDataDir } from './data-lock.js';

/** Options of {@link spawnSampleCube}. */
export interface SpawnSampleCubeOptions {
  /** Port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** API secret. @default random */
  readonly apiSecret?: string;
  /** Folder of the DuckDB file. @default `SAMPLE_CUBE_DATA_DIR`, else the app's `.data` folder */
  readonly dataDir?: string;
  /** Include the broken cube. @default false */
  readonly withBroken?: boolean;
  /** Include the cube on a second data source (`orders_archive`, data source `second`). @default false */
  readonly withSecondSource?: boolean;
  /** Receives Cube's log lines (stderr). @default dropped */
  readonly onLog?: (line: string) => void;
  /** Longest wait for readiness. @default 60000 */
  readonly startTimeoutMs?: number;
  /** Extra environment (e.g. CUBEJS_DB_* for PostgreSQL). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A sample Cube running in a child process. */
export interface SpawnedSampleCube {
  /** REST base URL including `/cubejs-api`. */
  readonly url: string;
  /** `native` or `jobs-only`. */
  readonly mode: string;
  /** The API secret it verifies JWTs with. */
  readonly apiSecret: string;
  /** The DuckDB database file. */
  readonly databasePath: string;
  /** The child's process id. */
  readonly pid: number | undefined;
  /** Stops Cube (SIGTERM; it exits within 5 s) and waits for the process to exit. */
  stop(): Promise<void>;
}

/** The default folder of the sample database. */
export const defaultDataDir = fileURLToPath(new URL('../.data', import.meta.url));

/** Starts `dist/main.js` in a child process and resolves once it printed `READY <url> <mode>`. */
export function spawnSampleCube(options: SpawnSampleCubeOptions = {}): Promise<SpawnedSampleCube> {
  const apiSecret = options.apiSecret ?? randomBytes(32).toString('hex');
  const dataDir = options.dataDir ?? process.env.SAMPLE_CUBE_DATA_DIR ?? defaultDataDir;
  let releaseLock: () => void;
  try {
    releaseLock = lockDataDir(dataDir);
  } catch (error) {
    return Promise.reject(error);
  }
  // Always the compiled entry (this module may itself run from src/ under a test runner).
  const child = spawn(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url))], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      ...process.env,
      ...options.env,
      SAMPLE_CUBE_PORT: String(options.port ?? 0),
      SAMPLE_CUBE_DATA_DIR: dataDir,
      SAMPLE_CUBE_WITH_BROKEN: String(options.withBroken ?? false),
      SAMPLE_CUBE_WITH_SECOND_SOURCE: String(options.withSecondSource ?? false),
      CUBEJS_API_SECRET: apiSecret,
    },
    // The IPC channel lets the child notice when this process goes away, however it goes (an uncaught
    // error, SIGKILL): it then stops, as on SIGTERM, within 5 s (src/main.ts).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => releaseLock());
  let stderrTail = '';
  const { stdout: childStdout, stderr: childStderr } = child as typeof child & {
    stdout: NodeJS.ReadableStream;
    stderr: NodeJS.ReadableStream;
  };
  childStderr.setEncoding('utf8');
  childStderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
    for (const line of chunk.split('\n')) if (line.trim()) options.onLog?.(line);
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The sample Cube did not start within ${options.startTimeoutMs ?? 60_000} ms: ${stderrTail}`));
    }, options.startTimeoutMs ?? 60_000);
    const exitedEarly = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`The sample Cube exited with ${code} before it was ready: ${stderrTail}`));
    };
    child.once('exit', exitedEarly);
    let stdout = '';
    childStdout.setEncoding('utf8');
    childStdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^READY (\S+) (\S+)$/m.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', exitedEarly);
      resolve({
        url: match[1] as string,
        mode: match[2] as string,
        apiSecret,
        databasePath: join(dataDir, 'sample.duckdb'),
        pid: child.pid,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

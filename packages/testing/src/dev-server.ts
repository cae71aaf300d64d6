/**
 * Starts a local Temporal dev server (with its Web UI) from the Temporal CLI as a child process: for
 * the demo when no TEMPORAL_ADDRESS is configured, and for tests that must restart the server (a
 * persistent database file and a fixed port survive the restart).
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { freePort } from './ports.js';
import { NativeConnection } from '@temporalio/worker';
import { superviseChild } from './child-process.js';
import { resolveTemporalCli } from './temporal-cli.js';

/** A running dev server. */
export interface DevServer {
  /** gRPC address, `127.0.0.1:<port>`. */
  readonly address: string;
  /** Web UI base URL. */
  readonly uiUrl: string;
  /** gRPC and Web UI ports. */
  readonly port: number;
  readonly uiPort: number;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  /** gRPC port. @default a free port */
  readonly port?: number;
  /** Web UI port. @default a free port */
  readonly uiPort?: number;
  /** SQLite file that keeps workflows across restarts. @default in memory */
  readonly dbFilename?: string;
  /** Progress messages (resolving or building the CLI). */
  readonly log?: (message: string) => void;
  /**
   * Custom search attributes to register on the `default` namespace, e.g. the cube-jobs ones
   * (`Object.values(CUBE_JOBS_SEARCH_ATTRIBUTES)` of `@cube-jobs/temporal-workflows`).
   */
  readonly searchAttributes?: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}

/** A search attribute as `temporal server start-dev --search-attribute` takes it: `Name=KeywordList`. */
function searchAttributeFlag({ name, type }: { readonly name: string; readonly type: string }): string {
  const cliType = type
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  return `${name}=${cliType}`;
}

/** How many times a server that could not bind its ports is started again. */
const PORT_CONFLICT_ATTEMPTS = 4;

/**
 * Starts `temporal server start-dev` and waits until it accepts connections. A port taken at that
 * moment (a free port picked earlier can be taken by another socket before the server binds it, e.g.
 * while a test restarts the server on its old ports) is tried again: with new ports when this function
 * picked them, after a second with the same ports when the caller fixed them.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = await resolveTemporalCli(options.log ? { log: options.log } : {});
  if (!cli) {
    throw new Error(
      'No Temporal CLI: set TEMPORAL_ADDRESS to use a running server, or TEMPORAL_CLI_PATH, or install Go so the CLI can be built',
    );
  }
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort());
    const uiPort = options.uiPort ?? (await freePort());
    try {
      return await startOnce(cli.path, port, uiPort, options.dbFilename, options.searchAttributes ?? []);
    } catch (error) {
      if (!(error instanceof PortConflictError) || attempt >= PORT_CONFLICT_ATTEMPTS) throw error;
      options.log?.(`${error.message}; starting it again`);
      if (options.port !== undefined || options.uiPort !== undefined)
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** The server exited because a port it needs was taken. */
class PortConflictError extends Error {
  override readonly name = 'PortConflictError';
}

async function startOnce(
  cliPath: string,
  port: number,
  uiPort: number,
  dbFilename: string | undefined,
  searchAttributes: ReadonlyArray<{ readonly name: string; readonly type: string }>,
): Promise<DevServer> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    'error',
    '--namespace',
    'default',
  ];
  if (dbFilename) args.push('--db-filename', dbFilename);
  for (const attribute of searchAttributes) args.push('--search-attribute', searchAttributeFlag(attribute));
  const child = spawn(cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const supervised = superviseChild(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  // Resolves once the child exited and its stderr was read to the end, so the reason is complete.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await closed;
      const reason = stderr.trim() || `exit code ${child.exitCode ?? child.signalCode}`;
      if (/address already in use/.test(reason))
        throw new PortConflictError(`The Temporal dev server could not bind its ports: ${reason}`);
      throw new Error(`The Temporal dev server exited: ${reason}`);
    }
    try {
      const connection = await NativeConnection.connect({ address });
      await connection.close();
      break;
    } catch (error) {
      if (child.exitCode !== null || child.signalCode !== null) continue; // reported above
      if (Date.now() > deadline) {
        await supervised.stop(0);
        throw new Error(`The Temporal dev server did not start within 30 s: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    port,
    uiPort,
    stop: () => supervised.stop(),
  };
}

/**
 * Starts a local Temporal dev server (with its Web UI) from the Temporal CLI as a child process: for
 * the demo when no TEMPORAL_ADDRESS is configured, and for tests that must restart the server (a
 * persistent database file and a fixed port survive the restart).
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
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

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
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
}

/** Starts `temporal server start-dev` and waits until it accepts connections. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = await resolveTemporalCli(options.log ? { log: options.log } : {});
  if (!cli) {
    throw new Error('No Temporal CLI: set TEMPORAL_ADDRESS to use a running server, or TEMPORAL_CLI_PATH, or install Go so the CLI can be built');
  }
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'error', '--namespace', 'default'];
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  const child = spawn(cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const supervised = superviseChild(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The Temporal dev server exited: ${stderr}`);
    try {
      const connection = await NativeConnection.connect({ address });
      await connection.close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`The Temporal dev server did not start within 30 s: ${(error as Error).message}`);
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

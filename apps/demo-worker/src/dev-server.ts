/**
 * Starts a local Temporal dev server (with its Web UI) from the Temporal CLI, for the demo when no
 * TEMPORAL_ADDRESS is configured.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolveTemporalCli } from '@cube-jobs/testing';
import { NativeConnection } from '@temporalio/worker';

/** A running dev server. */
export interface DevServer {
  /** gRPC address, `127.0.0.1:<port>`. */
  readonly address: string;
  /** Web UI base URL. */
  readonly uiUrl: string;
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

/** Starts `temporal server start-dev` and waits until it accepts connections. */
export async function startDevServer(log: (message: string) => void): Promise<DevServer> {
  const cli = await resolveTemporalCli({ log });
  if (!cli) {
    throw new Error('No Temporal CLI: set TEMPORAL_ADDRESS to use a running server, or TEMPORAL_CLI_PATH, or install Go so the CLI can be built');
  }
  const [port, uiPort] = [await freePort(), await freePort()];
  const child = spawn(
    cli.path,
    ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--log-level', 'error', '--namespace', 'default'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // If the demo exits first (an uncaught error, a broken pipe), take the server down with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
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
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

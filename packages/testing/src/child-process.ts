/**
 * Supervision of a server started as a child process: it dies with this process, and stops politely.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A supervised child process. */
export interface SupervisedChild {
  /** Resolves when the child has exited. */
  readonly exited: Promise<void>;
  /** Sends SIGTERM, then SIGKILL after `graceMs`, and waits for the exit. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Kills `child` if this process exits first (an uncaught error, a broken pipe), and returns a way to
 * stop it and wait for its exit.
 */
export function superviseChild(child: ChildProcess): SupervisedChild {
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  return {
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Options of {@link spawnWorkerProcess}. */
export interface WorkerProcessOptions {
  /** The worker's entry file. */
  readonly script: string;
  /** Node flags before the script, e.g. `--max-old-space-size=192`. */
  readonly nodeArgs?: readonly string[];
  /** Variables set on top of this process's environment (the worker reads its configuration from them). */
  readonly env: Readonly<Record<string, string>>;
  /** The line the worker prints on standard output once it polls its task queue. @default 'worker-ready' */
  readonly readyLine?: string;
}

/**
 * Starts a worker in a child process of its own (so a test can SIGKILL it, or read its memory) and
 * resolves once it printed its ready line; rejects if it exits first. Its standard error is shown.
 */
export function spawnWorkerProcess(options: WorkerProcessOptions): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const readyLine = options.readyLine ?? 'worker-ready';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(readyLine)) resolve(child);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`The worker exited before it was ready (${code ?? signal})`)),
    );
  });
}

/**
 * A worker in a child process of its own, for tests and benchmarks that SIGKILL it or read its memory.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';

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

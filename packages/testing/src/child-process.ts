/**
 * Supervision of a server started as a child process (the Temporal dev server of `startDevServer`): it
 * dies with this process, and stops politely.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';

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

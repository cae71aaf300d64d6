/**
 * Servers this project starts as child processes (PostgreSQL, the Temporal cluster's services) that stop
 * when this process goes away, however it goes.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The guard a server runs under; always the compiled one (this module may run from src/ under a test runner). */
const PROCESS_GUARD = fileURLToPath(new URL('../dist/process-guard.js', import.meta.url));

/**
 * Starts `command` under a guard holding an IPC channel to this process: when this process exits, is
 * killed, or the returned child gets SIGINT/SIGTERM, the server gets SIGINT (and SIGKILL 10 s later).
 * The guard leads a process group of its own with the server in it: `killGuarded` kills both at once.
 * The server's standard output is dropped; its standard error is the child's `stderr` stream.
 */
export function spawnGuarded(command: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [PROCESS_GUARD, command, ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: true,
  });
}

/** SIGKILLs a server {@link spawnGuarded} started, and its guard (a crash, as a test wants one). */
export function killGuarded(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
    process.kill(-child.pid, 'SIGKILL');
}

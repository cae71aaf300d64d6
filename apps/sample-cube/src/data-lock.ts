/**
 * One sample Cube per data folder: DuckDB allows one writer per database file, and two demos building
 * into the same file would fail each other's builds halfway. The parent process that starts the sample
 * Cube holds a lock file in the folder; a lock left by a process that no longer runs is taken over.
 *
 * @module
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** Thrown when another running process uses the data folder. */
export class SampleCubeDataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The sample Cube's data folder ${dataDir} is in use by another running demo or sample Cube (PID ${pid}). ` +
        'Stop that one, or set SAMPLE_CUBE_DATA_DIR to another folder.',
    );
    this.name = 'SampleCubeDataDirBusyError';
  }
}

/** Whether a process with this PID runs (and is visible to us). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files this process holds. */
const held = new Set<string>();

/** Takes the folder's lock for this process; returns its release. Throws {@link SampleCubeDataDirBusyError}. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, 'sample-cube.lock');
  if (held.has(lockPath)) throw new SampleCubeDataDirBusyError(dataDir, process.pid);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(lockPath);
      return () => {
        if (!held.delete(lockPath)) return;
        rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
        throw new SampleCubeDataDirBusyError(dataDir, holder);
      }
      rmSync(lockPath, { force: true }); // left by a process that is gone
    }
  }
  throw new Error(`Could not take the lock of ${dataDir}`);
}

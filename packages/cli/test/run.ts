/** Runs the compiled `cube-jobs` binary in a child process, as a person would. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const binary = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** What a run printed and how it ended. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** Runs `cube-jobs <args…>` with exactly these variables (plus PATH and HOME); never throws. */
export function cubeJobs(args: string[], vars: Record<string, string> = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [binary, ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...vars }, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
      },
    );
  });
}

/** Asserts nothing printed a stack trace. */
export const hasStack = (text: string) => /\n\s+at /.test(text);

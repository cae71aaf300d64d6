/**
 * First-run mistakes with the demo's commands, run as a person runs them (the compiled programs in a
 * child process): each prints one line that names what to fix, no stack trace, and a documented exit code.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startFakeCube, type FakeCube } from '@cube-jobs/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXIT_CODES } from '../src/first-run.js';

const program = (name: string) => fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url));

/** Runs a command with exactly these variables (plus PATH/HOME); never throws. */
function runCommand(name: string, args: string[], vars: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...vars };
  const started = Date.now();
  return new Promise<{ code: number | null; stdout: string; stderr: string; elapsedMs: number }>((resolve) => {
    execFile(process.execPath, [program(name), ...args], { env, timeout: 90_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

let cube: FakeCube;
let closedPort: number;
let dir: string;
beforeAll(async () => {
  cube = await startFakeCube({ scopes: (context) => ((context as { noJobs?: boolean }).noJobs ? ['data'] : ['jobs']) });
  closedPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'first-run-'));
});
afterAll(async () => {
  await cube?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('an unknown flag', () => {
  test.each([
    ['demo', 'Usage: npm run demo'],
    ['worker-main', 'Usage: npm start'],
  ])('%s prints the usage and exits 2', async (name, usage) => {
    const result = await runCommand(name, ['--bogus'], {});
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("Unknown option '--bogus'");
    expect(result.stderr).toContain(usage);
    noStack(result.stderr);
  });
});

describe('a bad --metrics-port', () => {
  test.each(['demo', 'worker-main'])('%s names the flag and exits 2, before starting anything', async (name) => {
    const result = await runCommand(name, ['--metrics-port', 'ninety'], {
      TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}`,
      CUBE_API_URL: `http://127.0.0.1:${closedPort}/cubejs-api`,
      CUBE_API_SECRET: 'a-long-enough-secret-value',
    });
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain('--metrics-port: must be a port number');
    noStack(result.stderr);
  });
});

describe('Cube', () => {
  test('unreachable: named with its URL within seconds, exit 3', async () => {
    const url = `http://127.0.0.1:${closedPort}/cubejs-api`;
    const result = await runCommand('demo', [], { CUBE_API_URL: url, CUBE_API_SECRET: 'a'.repeat(32) });
    expect(result.code).toBe(EXIT_CODES.unavailable);
    expect(result.stderr).toContain(`Cannot reach Cube at ${url} (CUBE_API_URL)`);
    expect(result.elapsedMs).toBeLessThan(30_000);
    noStack(result.stderr);
  });

  test('a wrong secret: says which variable, never prints it, exit 3', async () => {
    const secret = 'wrong-secret-0123456789abcdef';
    const result = await runCommand('worker-main', [], {
      TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}`,
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: secret,
    });
    expect(result.code).toBe(EXIT_CODES.unavailable);
    expect(result.stderr).toMatch(/rejected the credentials \(40[13]\): check CUBE_API_SECRET or CUBE_API_TOKEN/);
    expect(result.stderr + result.stdout).not.toContain(secret);
    noStack(result.stderr);
  });

  test('a token without the jobs scope: names CUBEJS_DEFAULT_API_SCOPES, exit 3', async () => {
    const token = await cube.signToken({ noJobs: true });
    const result = await runCommand('demo', [], { CUBE_API_URL: cube.url, CUBE_API_TOKEN: token });
    expect(result.code).toBe(EXIT_CODES.unavailable);
    expect(result.stderr).toContain('does not grant the jobs scope: add "jobs" to CUBEJS_DEFAULT_API_SCOPES');
    expect(result.stderr).not.toContain(token);
  });

  test('a wrong base path: says what the URL must end with, exit 3', async () => {
    const url = cube.url.replace(/\/cubejs-api$/, '/api');
    const result = await runCommand('demo', [], { CUBE_API_URL: url, CUBE_API_SECRET: cube.apiSecret });
    expect(result.code).toBe(EXIT_CODES.unavailable);
    expect(result.stderr).toContain(`Cube at ${url} has no jobs endpoint (404)`);
  });
});

describe('Temporal', () => {
  test('unreachable: named with its address and variable, exit 3', async () => {
    const address = `127.0.0.1:${closedPort}`;
    const result = await runCommand('demo', [], {
      TEMPORAL_ADDRESS: address,
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: cube.apiSecret,
    });
    expect(result.code).toBe(EXIT_CODES.unavailable);
    expect(result.stderr).toContain(`Cannot reach Temporal at ${address} (TEMPORAL_ADDRESS)`);
    expect(result.stderr).not.toContain(cube.apiSecret);
    noStack(result.stderr);
  });

  test('with DEBUG set, the stack trace follows the line', async () => {
    const result = await runCommand('worker-main', [], {
      TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}`,
      CUBE_API_URL: cube.url,
      CUBE_API_SECRET: cube.apiSecret,
      DEBUG: '1',
    });
    expect(result.code).toBe(EXIT_CODES.unavailable);
    expect(result.stderr).toContain('Cannot reach Temporal at');
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});

describe('the sample Cube', () => {
  test('a data folder in use by another demo: names SAMPLE_CUBE_DATA_DIR, exit 3', async () => {
    const dataDir = join(dir, 'busy');
    mkdirSync(dataDir, { recursive: true });
    // This test process plays the other demo: it is running, and its PID holds the lock.
    writeFileSync(join(dataDir, 'sample-cube.lock'), String(process.pid));
    const result = await runCommand('demo', [], { SAMPLE_CUBE_DATA_DIR: dataDir });
    expect(result.code).toBe(EXIT_CODES.unavailable);
    expect(result.stderr).toContain(
      `data folder ${dataDir} is in use by another running demo or sample Cube (PID ${process.pid})`,
    );
    expect(result.stderr).toContain('set SAMPLE_CUBE_DATA_DIR to another folder');
    noStack(result.stderr);
  });
});

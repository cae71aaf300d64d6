import { afterEach } from 'vitest';
import { startFakeCube, type FakeCube, type FakeCubeOptions } from '../src/index.js';

/** Posts a raw body to the fake's jobs endpoint, as a test would with curl. */
export async function rawJobs(
  cube: FakeCube,
  body: unknown,
  options: { token?: string | null; header?: string; contentType?: string; raw?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const token = options.token === undefined ? await cube.signToken() : options.token;
  if (token !== null) headers[options.header ?? 'authorization'] = token;
  const response = await fetch(`${cube.url}/v1/pre-aggregations/jobs`, {
    method: 'POST',
    headers,
    body: options.raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: response.status, body: parsed };
}

/** A minimal valid selector. */
export const selector = { contexts: [{ securityContext: {} }], timezones: ['UTC'] };

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Returns a function that starts a fake Cube; every fake it started is stopped after each test. */
export function useFakeCubes(): (options?: FakeCubeOptions) => Promise<FakeCube> {
  const started: FakeCube[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((cube) => cube.stop()));
  });
  return async (options = {}) => {
    const cube = await startFakeCube(options);
    started.push(cube);
    return cube;
  };
}

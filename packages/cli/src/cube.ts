/**
 * Cube access for the commands: the URL and credentials from the environment (flags may override the
 * URL; secrets come only from the environment, so they never reach shell history or `ps`), a quick
 * check, and one line for every way talking to Cube can go wrong.
 *
 * @module
 */
import {
  createCubeJobsClient,
  CubeJobsApiError,
  CubeJobsAuthError,
  CubeJobsConnectionError,
  CubeJobsMissingScopeError,
  type CubeJobsClient,
} from '@cube-jobs/core';
import { CliError, EXIT_CODES, firstLine } from './exit.js';

/** Where Cube is and how to authenticate. */
export interface CubeAccess {
  readonly apiUrl: string;
  readonly apiSecret?: string;
  readonly token?: string;
}

/** Reads `--url` (or `CUBE_API_URL`) and `CUBE_API_SECRET` or `CUBE_API_TOKEN`. */
export function readCubeAccess(url: string | undefined, env: NodeJS.ProcessEnv = process.env): CubeAccess {
  const apiUrl = (url ?? env.CUBE_API_URL ?? '').trim();
  const apiSecret = env.CUBE_API_SECRET?.trim() || undefined;
  const token = env.CUBE_API_TOKEN?.trim() || undefined;
  const problems: string[] = [];
  if (!apiUrl) problems.push('CUBE_API_URL (or --url): is required, e.g. http://localhost:4000/cubejs-api');
  else if (!/^https?:\/\/\S+$/.test(apiUrl))
    problems.push(`--url / CUBE_API_URL: must be an http(s) URL, got "${apiUrl}"`);
  if (!apiSecret && !token) problems.push('CUBE_API_SECRET or CUBE_API_TOKEN: one of them is required');
  if (apiSecret && token) problems.push('CUBE_API_SECRET and CUBE_API_TOKEN: set one, not both');
  if (problems.length > 0) throw new CliError(`Invalid configuration: ${problems.join('; ')}`, EXIT_CODES.usage);
  return { apiUrl, ...(apiSecret ? { apiSecret } : {}), ...(token ? { token } : {}) };
}

/** A client for a command: a few quick retries, 10 s per attempt. */
export function cubeClient(
  access: CubeAccess,
  options: { maxRetries?: number; timeoutMs?: number } = {},
): CubeJobsClient {
  return createCubeJobsClient({
    apiUrl: access.apiUrl,
    ...(access.apiSecret ? { apiSecret: access.apiSecret } : { token: access.token }),
    timeoutMs: options.timeoutMs ?? 10_000,
    advanced: { maxRetries: options.maxRetries ?? 1 },
  });
}

/** One line for what went wrong talking to Cube, naming the URL and what to fix. */
export function describeCubeProblem(apiUrl: string, error: unknown): string {
  if (error instanceof CubeJobsConnectionError) {
    return `Cannot reach Cube at ${apiUrl} (CUBE_API_URL): ${firstLine(error.message)}`;
  }
  if (error instanceof CubeJobsMissingScopeError) {
    const scope = missingScopeOf(error.cubeMessage ?? '') ?? 'jobs';
    const why = scope === 'jobs' ? '' : ', which verifying needs';
    return `Cube at ${apiUrl} accepted the credentials but does not grant the ${scope} scope${why}: add "${scope}" to CUBEJS_DEFAULT_API_SCOPES (or to what contextToApiScopes returns, or the token's scopes)`;
  }
  if (error instanceof CubeJobsAuthError) {
    return `Cube at ${apiUrl} rejected the credentials (${error.status}): check CUBE_API_SECRET or CUBE_API_TOKEN`;
  }
  if (error instanceof CubeJobsApiError && error.status === 404) {
    return `Cube at ${apiUrl} has no jobs endpoint (404): CUBE_API_URL must end with Cube's base path, e.g. http://localhost:4000/cubejs-api`;
  }
  return `Cube at ${apiUrl} answered unexpectedly: ${firstLine(error instanceof Error ? error.message : String(error))}`;
}

/** Cube's wordings of a missing API scope, with the scope's name (`jobs`, or `data` / `meta` when verifying). */
const MISSING_SCOPE = /(?:scope is missing|permission is missed|scope is missed):?\s*([A-Za-z_]+)/i;

/** The API scope Cube's message says is missing (lower case), if it says one is. */
export function missingScopeOf(message: string): string | undefined {
  return MISSING_SCOPE.exec(message)?.[1]?.toLowerCase();
}

/** Whether an error means Cube is unreachable or refused us (exit 3) rather than a failed build. */
export function isAccessProblem(error: unknown): boolean {
  return (
    error instanceof CubeJobsConnectionError ||
    error instanceof CubeJobsAuthError ||
    (error instanceof CubeJobsApiError && error.status === 404)
  );
}

/** Turns an access problem into a {@link CliError} (exit 3); other errors pass through. */
export function asCubeAccessError(apiUrl: string, error: unknown): unknown {
  return isAccessProblem(error)
    ? new CliError(describeCubeProblem(apiUrl, error), EXIT_CODES.unavailable, { cause: error })
    : error;
}

/**
 * Asks Cube for the status of a token that does not exist, within seconds: proves the URL, the base
 * path, the credentials and the `jobs` scope: Cube answers `not_found` (the client reads an older Cube's
 * 500 for an unknown token as `not_found` too). Throws a {@link CliError} (exit 3).
 */
export async function checkCube(access: CubeAccess, timeoutMs = 5000): Promise<void> {
  try {
    await cubeClient(access, { maxRetries: 0, timeoutMs }).getJobStatuses(['cube-jobs-preflight']);
  } catch (error) {
    throw new CliError(describeCubeProblem(access.apiUrl, error), EXIT_CODES.unavailable, { cause: error });
  }
}

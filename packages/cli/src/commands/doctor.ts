/**
 * `cube-jobs doctor`: the configuration mistakes behind most Orchestration API problems, checked in
 * order: the URL answers, the base path is right, the credentials are accepted, the `jobs` scope is
 * granted, the `data` scope is granted (a warning only: `build --verify` and `verify` query Cube), the
 * selector's cubes exist, the selector matches something (only with `--post`: Cube can tell only by
 * starting a build), and security-context values whose type looks wrong.
 *
 * @module
 */
import {
  createJwtTokenProvider,
  CubeJobsApiError,
  CubeJobsAuthError,
  CubeJobsBadRequestError,
  CubeJobsConnectionError,
  CubeJobsMissingScopeError,
  type PreAggregationSelector,
} from '@cube-jobs/core';
import { parseCommandArgs, writeJson, type Command } from '../command.js';
import { cubeClient, missingScopeOf, readCubeAccess, type CubeAccess } from '../cube.js';
import { EXIT_CODES, firstLine } from '../exit.js';
import { SELECTOR_HELP, SELECTOR_OPTIONS, selectorFromFlags } from '../selector-flags.js';

const USAGE = `Usage: cube-jobs doctor [selector] [--post] [--json] [--url <Cube API URL>]

Checks, in order: Cube answers at the URL; the base path is right; the credentials are accepted; the
jobs scope is granted; the data scope is granted (only a warning: build --verify and verify query Cube);
the selector's cubes exist (needs the meta scope); the selector matches at least one pre-aggregation
(only with --post, which starts a build: Cube cannot tell otherwise); and warns about security-context
values whose type looks wrong. Each failed check says what it saw and the fix.
Exit 0 when nothing failed, 3 when Cube is unreachable or refuses the credentials, 1 otherwise.

${SELECTOR_HELP}

Cube: --url or CUBE_API_URL, with CUBE_API_SECRET or CUBE_API_TOKEN.`;

/** One check's result. */
export interface DoctorCheck {
  readonly check: string;
  readonly status: 'ok' | 'failed' | 'warning' | 'skipped';
  /** What the check saw. */
  readonly saw: string;
  /** What to do about it (failed and warning checks). */
  readonly fix?: string;
  /** The exit code a failure stands for. */
  readonly exitCode?: number;
}

const failed = (check: string, saw: string, fix: string, exitCode: number): DoctorCheck => ({
  check,
  status: 'failed',
  saw,
  fix,
  exitCode,
});

/** The URL answers at all (any HTTP answer will do). */
async function checkReachable(access: CubeAccess): Promise<DoctorCheck> {
  try {
    const response = await fetch(access.apiUrl, { signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
    return { check: 'Cube answers', status: 'ok', saw: `HTTP ${response.status} from ${access.apiUrl}` };
  } catch (error) {
    const reason =
      error instanceof Error
        ? firstLine(String((error.cause as Error | undefined)?.message ?? error.message))
        : String(error);
    return failed(
      'Cube answers',
      `no answer from ${access.apiUrl}: ${reason}`,
      'check CUBE_API_URL (host and port) and that Cube runs',
      EXIT_CODES.unavailable,
    );
  }
}

/** Base path, credentials and `jobs` scope, from one `get` of a token that does not exist. */
async function checkJobsEndpoint(access: CubeAccess): Promise<DoctorCheck[]> {
  const endpoint = `${access.apiUrl}/v1/pre-aggregations/jobs`;
  const ok = (check: string, saw: string): DoctorCheck => ({ check, status: 'ok', saw });
  try {
    await cubeClient(access, { maxRetries: 0, timeoutMs: 5000 }).getJobStatuses(['cube-jobs-doctor']);
  } catch (error) {
    if (error instanceof CubeJobsApiError && error.status === 404) {
      return [
        failed(
          'base path',
          `404 from ${endpoint}`,
          "CUBE_API_URL must end with Cube's base path (CUBEJS_BASE_PATH, default /cubejs-api), e.g. http://localhost:4000/cubejs-api",
          EXIT_CODES.unavailable,
        ),
      ];
    }
    if (error instanceof CubeJobsMissingScopeError) {
      return [
        ok('base path', `${endpoint} answers`),
        ok('credentials', 'accepted'),
        failed(
          'jobs scope',
          `403 ${error.cubeMessage ?? ''}`.trim(),
          'add "jobs" to CUBEJS_DEFAULT_API_SCOPES (e.g. meta,data,graphql,jobs) or to what contextToApiScopes returns',
          EXIT_CODES.unavailable,
        ),
      ];
    }
    if (error instanceof CubeJobsAuthError) {
      return [
        ok('base path', `${endpoint} answers`),
        failed(
          'credentials',
          `${error.status} ${error.cubeMessage ?? ''}`.trim(),
          "CUBE_API_SECRET must be the deployment's CUBEJS_API_SECRET (or CUBE_API_TOKEN a valid, unexpired token)",
          EXIT_CODES.unavailable,
        ),
      ];
    }
    if (error instanceof CubeJobsConnectionError) {
      return [
        failed(
          'base path',
          `no answer from ${endpoint}: ${firstLine(error.message)}`,
          'check CUBE_API_URL and that Cube runs',
          EXIT_CODES.unavailable,
        ),
      ];
    }
    throw error;
  }
  return [ok('base path', `${endpoint} answers`), ok('credentials', 'accepted'), ok('jobs scope', 'granted')];
}

/** The token doctor's own requests to Cube's REST API send: `CUBE_API_TOKEN`, or a short-lived JWT. */
async function restApiToken(access: CubeAccess): Promise<string> {
  return (
    access.token ?? (await createJwtTokenProvider({ apiSecret: access.apiSecret as string, tokenTtlMs: 60_000 })())
  );
}

/**
 * The `data` scope (`build --verify` and `verify` query `/v1/load`), from an empty query: Cube checks the
 * scope first and refuses the query itself with a 400. A warning only: builds without `--verify` do not need it.
 */
async function checkDataScope(access: CubeAccess): Promise<DoctorCheck> {
  const check = 'data scope (verify)';
  let response: Response;
  try {
    response = await fetch(`${access.apiUrl}/v1/load`, {
      method: 'POST',
      headers: { authorization: await restApiToken(access), 'content-type': 'application/json' },
      body: JSON.stringify({ query: {} }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const reason = error instanceof Error ? firstLine(error.message) : String(error);
    return { check, status: 'skipped', saw: `no answer from ${access.apiUrl}/v1/load: ${reason}` };
  }
  const text = await response.text().catch(() => '');
  let message = text;
  try {
    message = String((JSON.parse(text) as { error?: unknown }).error ?? text);
  } catch {
    // not JSON: Cube's text as it came
  }
  if (response.status === 403 && missingScopeOf(message) === 'data') {
    return {
      check,
      status: 'warning',
      saw: firstLine(message),
      fix: 'add "data" to CUBEJS_DEFAULT_API_SCOPES (or to what contextToApiScopes returns): builds with --verify query Cube',
    };
  }
  return { check, status: 'ok', saw: 'granted' };
}

/** The selector's cubes exist in the model (`/v1/meta`, meta scope). */
async function checkCubes(access: CubeAccess, selector: PreAggregationSelector): Promise<DoctorCheck> {
  const wanted = [
    ...new Set([...(selector.cubes ?? []), ...(selector.preAggregations ?? []).map((id) => id.split('.')[0] ?? id)]),
  ];
  if (wanted.length === 0)
    return {
      check: 'cubes exist',
      status: 'skipped',
      saw: 'the selector names no cube (it selects every pre-aggregation)',
    };
  const response = await fetch(`${access.apiUrl}/v1/meta`, {
    headers: { authorization: await restApiToken(access) },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status === 403) {
    await response.body?.cancel();
    return {
      check: 'cubes exist',
      status: 'skipped',
      saw: 'the credentials lack the meta scope, so the model cannot be read',
    };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { check: 'cubes exist', status: 'skipped', saw: `/v1/meta answered ${response.status}` };
  }
  const meta = (await response.json()) as { cubes?: Array<{ name: string }> };
  const known = new Set((meta.cubes ?? []).map((cube) => cube.name));
  const missing = wanted.filter((name) => !known.has(name));
  if (missing.length > 0) {
    return failed(
      'cubes exist',
      `no cube ${missing.map((m) => `"${m}"`).join(', ')} in the model (it has: ${[...known].join(', ') || 'none'})`,
      'check --cube and --pre-aggregation (ids are <cube>.<pre-aggregation>)',
      EXIT_CODES.failed,
    );
  }
  return { check: 'cubes exist', status: 'ok', saw: `${wanted.join(', ')} found in the model` };
}

/** The selector matches something: only by posting it, which starts a build. */
async function checkMatch(access: CubeAccess, selector: PreAggregationSelector, post: boolean): Promise<DoctorCheck> {
  if (!post) {
    return {
      check: 'selector matches',
      status: 'skipped',
      saw: 'Cube tells which pre-aggregations a selector matches only by building them',
      fix: 'run with --post to check by posting the selector (this starts a build)',
    };
  }
  try {
    const tokens = await cubeClient(access, { maxRetries: 0 }).triggerBuild(selector);
    return { check: 'selector matches', status: 'ok', saw: `${tokens.length} job(s) started` };
  } catch (error) {
    if (!(error instanceof CubeJobsBadRequestError)) throw error;
    return failed(
      'selector matches',
      `400 ${error.cubeMessage ?? error.message}`,
      'check the names, data sources and date range against the model (pre-aggregations of type rollupJoin and rollupLambda build nothing)',
      EXIT_CODES.failed,
    );
  }
}

/** Security-context values that are numbers or booleans: a model comparing them with strings builds unused tables. */
function checkContextTypes(selector: PreAggregationSelector): DoctorCheck {
  const suspicious = selector.contexts.flatMap((context, index) =>
    Object.entries(context.securityContext)
      .filter(([, value]) => typeof value === 'number' || typeof value === 'boolean')
      .map(([key, value]) => `--context #${index + 1} ${key} is the ${typeof value} ${String(value)}`),
  );
  if (suspicious.length === 0)
    return { check: 'security context types', status: 'ok', saw: 'strings and objects only' };
  return {
    check: 'security context types',
    status: 'warning',
    saw: suspicious.join('; '),
    fix: 'if the model reads these as strings (e.g. in SQL or COMPILE_CONTEXT comparisons), pass them as strings ("1", not 1): otherwise Cube builds tables that queries never use',
  };
}

/** The `doctor` command. */
export const doctorCommand: Command = {
  name: 'doctor',
  summary: "check Cube's URL, base path, credentials, API scopes and a selector",
  usage: USAGE,
  async run(args, io) {
    const parsed = parseCommandArgs(
      args,
      { ...SELECTOR_OPTIONS, url: { type: 'string' }, post: { type: 'boolean' } },
      USAGE,
      io,
    );
    if (!parsed) return EXIT_CODES.ok;
    const selector = selectorFromFlags(parsed.values);
    const access = readCubeAccess(parsed.values.url, io.env);
    const checks: DoctorCheck[] = [];
    const print = (check: DoctorCheck) => {
      checks.push(check);
      if (parsed.values.json) return;
      const mark = { ok: '✓', failed: '✗', warning: '!', skipped: '-' }[check.status];
      io.out.write(`${mark} ${check.check}: ${check.saw}${check.fix ? `\n    fix: ${check.fix}` : ''}\n`);
    };
    const reachable = await checkReachable(access);
    print(reachable);
    if (reachable.status === 'ok') {
      for (const check of await checkJobsEndpoint(access)) print(check);
      if (!checks.some((check) => check.status === 'failed')) {
        print(await checkDataScope(access));
        print(await checkCubes(access, selector));
        if (!checks.some((check) => check.status === 'failed'))
          print(await checkMatch(access, selector, parsed.values.post ?? false));
      }
    }
    print(checkContextTypes(selector));
    const exitCode = checks.find((check) => check.status === 'failed')?.exitCode ?? EXIT_CODES.ok;
    if (parsed.values.json) writeJson(io, { url: access.apiUrl, checks, exitCode });
    return exitCode;
  },
};

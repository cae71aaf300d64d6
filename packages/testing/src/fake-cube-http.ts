/**
 * The fake Cube's HTTP plumbing: the request log's record, one JSON-response helper, Express's 404
 * page, injected faults, and the jobs endpoint's answer (authentication, the `jobs` scope, validation,
 * then the build queue), in the order Cube's gateway checks them.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWTPayload } from 'jose';
import type { FakeAuthenticator } from './fake-cube-auth.js';
import type { FakeBuildQueue, JobsAnswer } from './fake-cube-queue.js';
import type { FaultRule } from './faults.js';
import { answerLoad, cubeMembers, extendedPreAggregations } from './fake-cube-query.js';
import { validateJobsRequest } from './validation.js';

/** One request as the fake received it. */
export interface RecordedRequest {
  /** When it arrived (fake clock, epoch ms). */
  readonly atMs: number;
  readonly method: string;
  readonly path: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The parsed JSON body, if any. */
  readonly body: unknown;
  /** `post` or `get` when the body named one. */
  readonly action: 'post' | 'get' | undefined;
  /** Claims of the caller's JWT, when it verified. */
  readonly claims: JWTPayload | undefined;
  /** HTTP status answered (undefined for resets and hangs). */
  status: number | undefined;
  /** Tokens a `post` issued (undefined when it created no jobs). */
  issuedTokens: readonly string[] | undefined;
}

/** Writes a JSON answer and records its status. */
export function sendJson(
  res: ServerResponse,
  record: RecordedRequest,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  record.status = status;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Express's 404 page, which Cube answers for any other path or method. */
export function sendNotFound(res: ServerResponse, record: RecordedRequest): void {
  record.status = 404;
  res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${record.method} ${record.path}</pre>\n</body>\n</html>\n`,
  );
}

/** The action a body names, if it names one. */
export function actionOf(body: unknown): 'post' | 'get' | undefined {
  const action = body !== null && typeof body === 'object' ? (body as { action?: unknown }).action : undefined;
  return action === 'post' || action === 'get' ? action : undefined;
}

/** Parses a body as JSON, keeping the raw text when it is not JSON. */
export function parseBody(rawBody: string): unknown {
  if (rawBody === '') return undefined;
  try {
    return JSON.parse(rawBody);
  } catch {
    return rawBody;
  }
}

/**
 * Applies one injected fault. Returns true when the fault answered (or dropped) the request, false when
 * the request goes on (after added latency).
 */
export async function applyFault(
  effect: FaultRule,
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
): Promise<boolean> {
  switch (effect.kind) {
    case 'latency':
      await new Promise((resolve) => setTimeout(resolve, effect.ms));
      return false;
    case 'hang':
      return true;
    case 'reset':
      req.socket.destroy();
      return true;
    case 'http-error':
      sendJson(res, record, effect.status, effect.body ?? { error: `Injected ${effect.status}` });
      return true;
    case 'rate-limit':
      sendJson(
        res,
        record,
        429,
        { error: 'Too Many Requests' },
        { 'retry-after': String(effect.retryAfterSeconds ?? 1) },
      );
      return true;
    case 'continue-wait':
      sendJson(res, record, 200, { error: 'Continue wait' });
      return true;
  }
}

/**
 * Cube's gateway checks before an endpoint: the credentials (403 with Cube's text), then the API scope
 * (403 `API scope is missing: <scope>`; a user's `contextToApiScopes` that throws is a 500). Records the
 * claims. Returns the refusal, or nothing when the caller may go on.
 */
async function authorize(
  req: IncomingMessage,
  record: RecordedRequest,
  auth: FakeAuthenticator,
  scope: 'jobs' | 'meta' | 'data',
): Promise<JobsAnswer | undefined> {
  const { claims, error } = await auth.authenticate(req.headers);
  (record as { claims: JWTPayload | undefined }).claims = claims;
  if (error) return { status: 403, body: { error } };
  let scopes: readonly string[];
  try {
    scopes = auth.scopesOf(claims);
  } catch (thrown) {
    return { status: 500, body: { error: String(thrown) } };
  }
  return scopes.includes(scope) ? undefined : { status: 403, body: { error: `API scope is missing: ${scope}` } };
}

/** Answers a request to the jobs endpoint: authentication, the `jobs` scope, validation, then the queue. */
export async function answerJobs(
  req: IncomingMessage,
  record: RecordedRequest,
  rawBody: string,
  auth: FakeAuthenticator,
  queue: FakeBuildQueue,
): Promise<JobsAnswer> {
  const refused = await authorize(req, record, auth, 'jobs');
  if (refused) return refused;
  let body: unknown = {};
  if ((req.headers['content-type'] ?? '').includes('application/json') && rawBody !== '') {
    try {
      body = JSON.parse(rawBody);
    } catch (thrown) {
      return { status: 500, body: { error: `SyntaxError: ${(thrown as Error).message}` } };
    }
  }
  const valid = validateJobsRequest(body);
  if (!valid.ok) return { status: 400, body: { error: valid.error } };
  if (valid.value.action === 'get') return queue.get(valid.value);
  const answer = queue.post(valid.value, (req.headers['x-request-id'] as string | undefined) ?? randomUUID());
  if (answer.status === 200) record.issuedTokens = answer.body as string[];
  return answer;
}

/**
 * `GET {basePath}/v1/meta` as Cube answers it, reduced to what the fake's model knows: each cube's name,
 * type and members (`count`, `created_at`), and with `?extended` its pre-aggregations' definitions
 * (`fake-cube-query.ts`). Needs the `meta` scope.
 */
export async function answerMeta(
  req: IncomingMessage,
  record: RecordedRequest,
  auth: FakeAuthenticator,
  queue: FakeBuildQueue,
  extended: boolean,
): Promise<JobsAnswer> {
  const refused = await authorize(req, record, auth, 'meta');
  if (refused) return refused;
  return {
    status: 200,
    body: {
      cubes: queue.cubeNames().map((name) => ({
        public: true,
        name,
        type: 'cube',
        title: name,
        ...cubeMembers(name),
        segments: [],
        ...(extended ? { preAggregations: extendedPreAggregations(queue, name) } : {}),
      })),
    },
  };
}

/** `POST {basePath}/v1/load`: a query, answered from the built tables (`fake-cube-query.ts`). Needs the `data` scope. */
export async function answerQuery(
  req: IncomingMessage,
  record: RecordedRequest,
  auth: FakeAuthenticator,
  queue: FakeBuildQueue,
): Promise<JobsAnswer> {
  const refused = await authorize(req, record, auth, 'data');
  if (refused) return refused;
  return answerLoad(queue, record.body);
}

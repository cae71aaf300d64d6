/**
 * `startFakeCube`: a real HTTP server on 127.0.0.1 that answers `POST {basePath}/v1/pre-aggregations/jobs`
 * as Cube 1.7 does (auth, `jobs` scope, validation wording, tokens, statuses, answer shapes), with a
 * declarative model, a build queue with a concurrency limit, an injectable clock, fault injection and
 * a request log for assertions. This module starts the server; the queue model is in
 * `fake-cube-queue.ts`, authentication in `fake-cube-auth.ts`, the request handling in
 * `fake-cube-http.ts`, request validation in `validation.ts`, and the queries a build's verification
 * asks (`/v1/meta?extended`, `/v1/load`) in `fake-cube-query.ts`.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { JWTPayload } from 'jose';
import { realClock } from './clock.js';
import { createFakeAuthenticator } from './fake-cube-auth.js';
import {
  actionOf,
  answerJobs,
  answerMeta,
  answerQuery,
  applyFault,
  parseBody,
  sendJson,
  sendNotFound,
  type RecordedRequest,
} from './fake-cube-http.js';
import { FakeBuildQueue, type FakeJob } from './fake-cube-queue.js';
import { FaultInjector, type FaultRule } from './faults.js';
import { FakeRateLimiter, peakPerSecond } from './rate-limit.js';
import type { FakeCubeModel } from './model.js';
import { sampleModel } from './sample-model.js';

export type { RecordedRequest } from './fake-cube-http.js';
export type { FakeJob } from './fake-cube-queue.js';

/** Options of {@link startFakeCube}. */
export interface FakeCubeOptions {
  /** The model to serve. @default {@link sampleModel}() */
  readonly model?: FakeCubeModel;
  /** Secret JWTs are verified with (HS256). @default random */
  readonly apiSecret?: string;
  /** Cube's base path. @default '/cubejs-api' */
  readonly basePath?: string;
  /**
   * API scopes of a caller, as `CUBEJS_DEFAULT_API_SCOPES` or `contextToApiScopes` would give them: a
   * list, or a function of the JWT's claims (what it throws is answered as Cube does, with a 500).
   * A JWT claim `scopes` (array) narrows them, like the sample deployment's `contextToApiScopes`.
   * @default ['graphql', 'meta', 'data', 'jobs']
   */
  readonly scopes?: readonly string[] | ((claims: JWTPayload | undefined) => readonly string[]);
  /** Skip authentication, as Cube does outside production mode. @default false */
  readonly devMode?: boolean;
  /**
   * Verify JWTs against keys chosen by their `kid` header, as Cube does with `CUBEJS_JWK_URL` (here:
   * HS256 secrets by key id), with Cube's errors for a missing `kid`, an unknown one and an undecodable token.
   */
  readonly jwks?: Readonly<Record<string, string>>;
  /** Builds running at once, as the pre-aggregation queue's concurrency. @default 2 */
  readonly concurrency?: number;
  /** Default time to build one partition. @default 50 */
  readonly buildDurationMs?: number;
  /** How long a job record lives (Cube: 24 h), after which its token reads `not_found`. @default 86400000 */
  readonly jobTtlMs?: number;
  /**
   * Time source, in epoch ms: a clock the test moves itself lets it run a "30-minute" build in
   * milliseconds. @default the real clock
   */
  readonly clock?: { now(): number };
  /** Faults active from the start. */
  readonly faults?: readonly FaultRule[];
  /** Seed of the generator behind probabilistic faults. @default 1 */
  readonly seed?: number;
  /** Schema of pre-aggregation tables. @default 'prod_pre_aggregations' */
  readonly preAggregationsSchema?: string;
  /**
   * Reproduce Cube 1.7's same-second collision: a second build of a partition whose table name (which
   * ends in the build time in whole seconds) already exists fails with `relation "…" already exists`.
   * @default true
   */
  readonly sameSecondRebuildFails?: boolean;
  /**
   * Reproduce Cube's queue de-duplication (seen on Cube 1.7.43): a build of a partition whose identical
   * build is still queued or running is not queued again. Planned in the same second (both name the
   * same table), its job reads `missing_partition` while the other waits in the queue, `processing`
   * while it runs, then `done`; planned in another second, `missing_partition` throughout and for good,
   * as its own table is never built.
   * @default true
   */
  readonly dedupInFlightBuilds?: boolean;
  /** Port to listen on. @default random */
  readonly port?: number;
  /**
   * Refuse requests to the jobs endpoint above a rate, with 429 and `Retry-After`, as Cube Cloud does
   * per deployment (100 requests/s, bursts to 1,000, `Retry-After: 1`). @default no limit
   */
  readonly rateLimit?: {
    /** Requests per second in the long run. */
    readonly requestsPerSecond: number;
    /** Requests that may arrive at once after a quiet spell. @default requestsPerSecond */
    readonly burst?: number;
    /** `Retry-After` of a 429, in seconds. @default 1 */
    readonly retryAfterSeconds?: number;
  };
}

/** A running fake Cube. */
export interface FakeCube {
  /** Base URL including the base path, e.g. `http://127.0.0.1:43123/cubejs-api`: pass it as `apiUrl`. */
  readonly url: string;
  /** The secret JWTs must be signed with. */
  readonly apiSecret: string;
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Every job created since the last restart, oldest first. */
  readonly jobs: readonly FakeJob[];
  /** Signs an HS256 JWT with the API secret (`expiresInMs` default 1 h; negative for an expired token). */
  signToken(claims?: Record<string, unknown>, options?: { expiresInMs?: number }): Promise<string>;
  /** The status `get` would report for a token now. */
  statusOf(token: string): string;
  /** Replaces the model; jobs of removed pre-aggregations that have not finished read `pre_agg_not_found`. */
  setModel(model: FakeCubeModel): void;
  /**
   * Deletes a built table's rows behind Cube's back, as a zero-row import (cube-js/cube #11609) leaves
   * it: its job still reads `done`, and a query of its partition returns no rows.
   */
  emptyTable(table: string): void;
  /** Drops a built table behind Cube's back: its job still reads `done`; a query of its partition is a 400. */
  dropTable(table: string): void;
  /** Replaces the active faults. */
  setFaults(rules: readonly FaultRule[]): void;
  /** The `post` requests that created jobs (convenience over `requests`). */
  posts(): RecordedRequest[];
  /** The most requests to the jobs endpoint within any one second (only `post`s or `get`s when given). */
  peakRequestsPerSecond(action?: 'post' | 'get'): number;
  /** Requests refused with 429 by the {@link FakeCubeOptions.rateLimit}. */
  rateLimited(): number;
  /** Forgets every job and queue item, like Cube with the memory driver restarting; with `downtimeMs` the port is closed meanwhile. */
  restart(options?: { downtimeMs?: number }): Promise<void>;
  /** Stops the server and drops open connections. */
  stop(): Promise<void>;
}

/** Starts a fake Cube jobs server on 127.0.0.1. */
export async function startFakeCube(options: FakeCubeOptions = {}): Promise<FakeCube> {
  const clock = options.clock ?? realClock;
  const apiSecret = options.apiSecret ?? randomBytes(24).toString('hex');
  const basePath = (options.basePath ?? '/cubejs-api').replace(/\/+$/, '');
  const jobsPath = `${basePath}/v1/pre-aggregations/jobs`;
  const auth = createFakeAuthenticator({
    apiSecret,
    devMode: options.devMode,
    jwks: options.jwks,
    scopes: options.scopes,
  });
  const queue = new FakeBuildQueue({
    clock,
    model: options.model ?? sampleModel(),
    concurrency: options.concurrency ?? 2,
    defaultDurationMs: options.buildDurationMs ?? 50,
    jobTtlMs: options.jobTtlMs ?? 86_400_000,
    preAggregationsSchema: options.preAggregationsSchema ?? 'prod_pre_aggregations',
    sameSecondRebuildFails: options.sameSecondRebuildFails ?? true,
    dedupInFlightBuilds: options.dedupInFlightBuilds ?? true,
  });
  const limiter = options.rateLimit ? new FakeRateLimiter(options.rateLimit, clock) : undefined;
  let refused = 0;
  const faults = new FaultInjector(options.seed ?? 1);
  faults.set(options.faults ?? []);
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse, rawBody: string): Promise<void> => {
    const body = parseBody(rawBody);
    const action = actionOf(body);
    const url = new URL(req.url ?? '/', 'http://fake');
    const record: RecordedRequest = {
      atMs: clock.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
      ),
      body,
      action,
      claims: undefined,
      status: undefined,
      issuedTokens: undefined,
    };
    requests.push(record);
    const isJobs = record.path === jobsPath;
    if (isJobs && limiter && !limiter.admit()) {
      refused += 1;
      return sendJson(res, record, 429, { error: 'Too Many Requests' }, { 'retry-after': limiter.retryAfter });
    }
    for (const effect of isJobs ? faults.draw(action) : []) {
      if (await applyFault(effect, req, res, record)) return;
    }
    if (req.method === 'GET' && record.path === '/readyz') return sendJson(res, record, 200, { health: 'HEALTH' });
    if (req.method === 'GET' && record.path === `${basePath}/v1/meta`) {
      const meta = await answerMeta(req, record, auth, queue, url.searchParams.has('extended'));
      return sendJson(res, record, meta.status, meta.body);
    }
    if (req.method === 'POST' && record.path === `${basePath}/v1/load`) {
      const answer = await answerQuery(req, record, auth, queue);
      return sendJson(res, record, answer.status, answer.body);
    }
    if (req.method !== 'POST' || !isJobs) return sendNotFound(res, record);
    const answer = await answerJobs(req, record, rawBody, auth, queue);
    sendJson(res, record, answer.status, answer.body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ error: String(error) }));
        }
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  const port = await listen(options.port ?? 0);
  const builtTable = (table: string) => {
    const built = queue.builtTables().get(table);
    if (!built) throw new Error(`The fake Cube has built no table ${table}`);
    return built;
  };

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    apiSecret,
    requests,
    get jobs() {
      return queue.allJobs();
    },
    signToken: (claims = {}, signOptions = {}) => auth.signToken(claims, signOptions.expiresInMs ?? 3_600_000),
    statusOf: (token) => queue.statusOf(token),
    setModel: (model) => queue.setModel(model),
    emptyTable: (table) => (builtTable(table).rows = 0),
    dropTable: (table) => (builtTable(table).dropped = true),
    setFaults: (rules) => faults.set(rules),
    posts: () => requests.filter((r) => r.issuedTokens !== undefined),
    peakRequestsPerSecond: (action) =>
      peakPerSecond(
        requests.filter((r) => r.path === jobsPath && (action === undefined || r.action === action)).map((r) => r.atMs),
      ),
    rateLimited: () => refused,
    async restart(restartOptions = {}) {
      queue.forgetJobs(); // built tables stay: they live in the database, not in Cube
      if (restartOptions.downtimeMs !== undefined) {
        await close();
        await new Promise((resolve) => setTimeout(resolve, restartOptions.downtimeMs));
        await listen(port);
      }
    },
    stop: close,
  };
}

/**
 * `startFakeCube`: a real HTTP server on 127.0.0.1 that answers `POST {basePath}/v1/pre-aggregations/jobs`
 * as Cube 1.7 does (auth, `jobs` scope, validation wording, tokens, statuses, answer shapes), with a
 * declarative model, a build queue with a concurrency limit, an injectable clock, fault injection and
 * a request log for assertions.
 *
 * @module
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { realClock, type FakeClock } from './clock.js';
import { FaultInjector, type FaultRule } from './faults.js';
import {
  intersects,
  listPreAggregations,
  matchPreAggregations,
  partitionsOf,
  type BuildOutcome,
  type FakeCubeModel,
  type PartitionRef,
  type ResolvedPreAggregation,
} from './model.js';
import { sampleModel } from './sample-model.js';
import { toWallClock, validateJobsRequest, type ValidGet, type ValidPost } from './validation.js';

/** Scopes granted to a caller, from its JWT claims. */
export type ScopesFunction = (securityContext: JWTPayload | undefined) => readonly string[];

/** Options of {@link startFakeCube}. */
export interface FakeCubeOptions {
  /** The model to serve. @default {@link sampleModel}() */
  readonly model?: FakeCubeModel;
  /** Secret JWTs are verified with (HS256). @default random */
  readonly apiSecret?: string;
  /** Cube's base path. @default '/cubejs-api' */
  readonly basePath?: string;
  /**
   * API scopes of a caller, as `CUBEJS_DEFAULT_API_SCOPES` or `contextToApiScopes` would give them.
   * A JWT claim `scopes` (array) narrows them, like the sample deployment's `contextToApiScopes`.
   * @default ['graphql', 'meta', 'data', 'jobs']
   */
  readonly scopes?: readonly string[] | ScopesFunction;
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
  /** Time source. @default the real clock */
  readonly clock?: FakeClock;
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
   * build is still queued or running is not queued again. Its job reads `missing_partition` while the
   * other waits in the queue and `processing` while it runs; then `done` when both were planned in the
   * same second (they name the same table), else `missing_partition` for good, as its own table is
   * never built.
   * @default true
   */
  readonly dedupInFlightBuilds?: boolean;
  /** Port to listen on. @default random */
  readonly port?: number;
}

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

/** A job as the fake sees it. */
export interface FakeJob {
  readonly token: string;
  readonly preAggregation: string;
  readonly cube: string;
  readonly dataSource: string;
  readonly timezone: string;
  readonly securityContext: unknown;
  /** Partition start (local wall time) for partitioned pre-aggregations. */
  readonly partitionStart: string | undefined;
  /** Logical table without version suffixes. */
  readonly logicalTable: string;
  /** Versioned physical table (what `get` reports as `table`). */
  readonly table: string;
  readonly requestId: string;
  readonly enqueuedAtMs: number;
  readonly startsAtMs: number;
  readonly finishesAtMs: number;
  readonly outcome: BuildOutcome;
  /** Token of the identical in-flight build this job was merged into, when the queue de-duplicated it. */
  readonly dedupedInto?: string | undefined;
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
  /** Replaces the active faults. */
  setFaults(rules: readonly FaultRule[]): void;
  /** The `post` requests that created jobs (convenience over `requests`). */
  posts(): RecordedRequest[];
  /** Forgets every job and queue item, like Cube with the memory driver restarting; with `downtimeMs` the port is closed meanwhile. */
  restart(options?: { downtimeMs?: number }): Promise<void>;
  /** Stops the server and drops open connections. */
  stop(): Promise<void>;
}

const DEFAULT_SCOPES = ['graphql', 'meta', 'data', 'jobs'] as const;

function base32Seconds(ms: number): string {
  return Math.floor(ms / 1000).toString(32);
}

function version(seed: string): string {
  return BigInt(`0x${createHash('md5').update(seed).digest('hex').slice(0, 10)}`)
    .toString(32)
    .padStart(8, 'a')
    .slice(0, 8);
}

/** Starts a fake Cube jobs server on 127.0.0.1. */
export async function startFakeCube(options: FakeCubeOptions = {}): Promise<FakeCube> {
  const clock = options.clock ?? realClock;
  const apiSecret = options.apiSecret ?? randomBytes(24).toString('hex');
  const secretKey = new TextEncoder().encode(apiSecret);
  const basePath = (options.basePath ?? '/cubejs-api').replace(/\/+$/, '');
  const jobsPath = `${basePath}/v1/pre-aggregations/jobs`;
  const concurrency = options.concurrency ?? 2;
  const defaultDurationMs = options.buildDurationMs ?? 50;
  const jobTtlMs = options.jobTtlMs ?? 86_400_000;
  const schema = options.preAggregationsSchema ?? 'prod_pre_aggregations';
  const sameSecondRebuildFails = options.sameSecondRebuildFails ?? true;
  const dedupInFlightBuilds = options.dedupInFlightBuilds ?? true;
  const faults = new FaultInjector(options.seed ?? 1);
  faults.set(options.faults ?? []);

  let model = options.model ?? sampleModel();
  let jobs = new Map<string, FakeJob>();
  /** Per data source, when each queue slot is free next. */
  let slots = new Map<string, number[]>();
  /** Physical tables that exist, with the time they appeared. */
  let tables = new Map<string, number>();
  /** The latest queued build of each partition (table name up to its time suffix), as Cube's queue keys it. */
  let queuedBuilds = new Map<string, FakeJob>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const scopesOf = (claims: JWTPayload | undefined): readonly string[] => {
    const granted = typeof options.scopes === 'function' ? options.scopes(claims) : (options.scopes ?? DEFAULT_SCOPES);
    const narrowed = claims?.scopes;
    return Array.isArray(narrowed) ? granted.filter((s) => narrowed.includes(s)) : granted;
  };

  const resolveOutcome = (pre: ResolvedPreAggregation, ref: PartitionRef): BuildOutcome => {
    const outcome = pre.definition.outcome;
    if (outcome === undefined) return { kind: 'done' };
    if (typeof outcome === 'string') return { kind: 'failure', message: outcome };
    return outcome(ref);
  };

  const enqueue = (job: Omit<FakeJob, 'startsAtMs' | 'finishesAtMs'>, durationMs: number): FakeJob => {
    const free = slots.get(job.dataSource) ?? Array.from({ length: concurrency }, () => 0);
    slots.set(job.dataSource, free);
    let slot = 0;
    for (let i = 1; i < free.length; i += 1) if ((free[i] as number) < (free[slot] as number)) slot = i;
    const startsAtMs = Math.max(job.enqueuedAtMs, free[slot] as number);
    const finishesAtMs = startsAtMs + durationMs;
    free[slot] = finishesAtMs;
    return { ...job, startsAtMs, finishesAtMs };
  };

  /** Applies the builds that have finished by now to the set of existing tables. */
  const settle = (now: number) => {
    for (const job of jobs.values()) {
      if (job.finishesAtMs > now || job.outcome.kind !== 'done' || job.dedupedInto !== undefined) continue;
      if (!tables.has(job.table)) tables.set(job.table, job.finishesAtMs);
    }
  };

  /** A snapshot for answering statuses at one instant: finished builds applied once, not per token. */
  const observe = () => {
    const now = clock.now();
    settle(now);
    return { now, liveIds: new Set(listPreAggregations(model).map((p) => p.id)) };
  };

  const statusAt = (token: string, { now, liveIds }: ReturnType<typeof observe>): string => {
    const job = jobs.get(token);
    if (!job || now - job.enqueuedAtMs >= jobTtlMs) return 'not_found';
    if (job.dedupedInto !== undefined) {
      // Not queued itself: Cube finds no queue item of its own until the other build runs.
      const twin = jobs.get(job.dedupedInto);
      if (twin && now < twin.startsAtMs) return 'missing_partition';
      if (twin && now < twin.finishesAtMs) return twin.outcome.kind === 'dropped' ? twin.outcome.queueState : 'processing';
      return tables.has(job.table) ? 'done' : 'missing_partition';
    }
    if (now < job.finishesAtMs) {
      if (!liveIds.has(job.preAggregation)) return 'pre_agg_not_found';
      if (now < job.startsAtMs) return 'scheduled';
      return job.outcome.kind === 'dropped' ? job.outcome.queueState : 'processing';
    }
    if (job.outcome.kind === 'failure') return `failure: ${job.outcome.message}`;
    if (job.outcome.kind === 'missing_partition' || job.outcome.kind === 'dropped') return 'missing_partition';
    const builtAt = tables.get(job.table);
    if (sameSecondRebuildFails && builtAt !== undefined && builtAt < job.finishesAtMs) {
      return `failure: relation "${job.table.split('.').pop()}" already exists`;
    }
    return 'done';
  };

  const post = (value: ValidPost, requestId: string): { status: number; body: unknown } => {
    const selector = value.selector;
    if (selector === undefined) return { status: 500, body: { error: "TypeError: Cannot read properties of undefined (reading 'dateRange')" } };
    let range: [string, string] | undefined;
    if (selector.dateRange) {
      const [a, b] = selector.dateRange.map(toWallClock);
      if (a === undefined || b === undefined) return { status: 400, body: { error: `Cannot parse selector date range ${selector.dateRange.join(',')}` } };
      range = [a, b];
    }
    const now = clock.now();
    const created: FakeJob[] = [];
    for (const context of selector.contexts) {
      for (const pre of matchPreAggregations(model, selector)) {
        if (pre.definition.type === 'rollupJoin' || pre.definition.type === 'rollupLambda') continue;
        for (const timezone of selector.timezones) {
          for (const partition of partitionsOf(pre.definition)) {
            if (partition && range && !intersects(partition, range)) continue;
            const ref: PartitionRef = { preAggregation: pre.id, timezone, partitionStart: partition?.start };
            const logicalTable = `${schema}.${pre.cube}_${pre.definition.name}${partition?.suffix ?? ''}`.toLowerCase();
            const structure = version(`${pre.id}|structure`);
            const content = version(`${pre.id}|${timezone}|${partition?.start ?? ""}|${JSON.stringify(context.securityContext)}|content`);
            const table = `${logicalTable}_${content}_${structure}_${base32Seconds(now)}`;
            const token = createHash('md5')
              .update(JSON.stringify({ requestId, table, timezone, n: jobs.size + created.length, nonce: randomUUID() }))
              .digest('hex');
            const duration = pre.definition.buildDurationMs;
            const buildKey = `${logicalTable}_${content}_${structure}`;
            const twin = queuedBuilds.get(buildKey);
            if (dedupInFlightBuilds && twin && now < twin.finishesAtMs) {
              created.push({ ...twin, token, requestId, table, enqueuedAtMs: now, securityContext: context.securityContext, dedupedInto: twin.token });
              continue;
            }
            const queued = enqueue(
              {
                token,
                preAggregation: pre.id,
                cube: pre.cube,
                dataSource: pre.dataSource,
                timezone,
                securityContext: context.securityContext,
                partitionStart: partition?.start,
                logicalTable,
                table,
                requestId,
                enqueuedAtMs: now,
                outcome: resolveOutcome(pre, ref),
              },
              typeof duration === 'function' ? duration(ref) : (duration ?? defaultDurationMs),
            );
            queuedBuilds.set(buildKey, queued);
            created.push(queued);
          }
        }
      }
    }
    if (created.length === 0) {
      return { status: 400, body: { error: "A user's selector doesn't match any of the pre-aggregations defined in the data model." } };
    }
    settle(now);
    for (const job of created) jobs.set(job.token, job);
    return { status: 200, body: created.map((job) => job.token) };
  };

  const get = (value: ValidGet): { status: number; body: unknown } => {
    const instant = observe();
    const items = value.tokens.map((token) => {
      const status = statusAt(token, instant);
      const job = jobs.get(token);
      if (status === 'not_found' || !job) return { token, status };
      return {
        token,
        table: job.table,
        status,
        selector: {
          cubes: [job.cube],
          preAggregations: [job.preAggregation],
          contexts: [{ securityContext: job.securityContext }],
          timezones: [job.timezone],
          dataSources: [job.dataSource],
        },
      };
    });
    if (value.resType !== 'object') return { status: 200, body: items };
    // Cube builds the object with a reduce that prepends: key order is the reverse of the request.
    const object: Record<string, unknown> = {};
    for (const { token, ...rest } of [...items].reverse()) if (!(token in object)) object[token] = rest;
    return { status: 200, body: object };
  };

  const authenticate = async (req: IncomingMessage): Promise<{ claims: JWTPayload | undefined; error?: string }> => {
    const header = req.headers['x-cube-authorization'] ?? req.headers.authorization;
    if (options.devMode) {
      return { claims: typeof header === 'string' ? safeDecode(header.split(' ').pop() ?? '') : undefined };
    }
    if (typeof header !== 'string' || header === '') return { claims: undefined, error: "Authorization header isn't set" };
    const parts = header.split(' ');
    const token = parts.length > 1 ? (parts[1] as string) : header;
    let key = secretKey;
    if (options.jwks) {
      let kid: unknown;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        return { claims: undefined, error: 'Unable to decode JWT key' };
      }
      if (typeof kid !== 'string') return { claims: undefined, error: 'JWT without kid inside headers' };
      const secret = options.jwks[kid];
      if (secret === undefined) return { claims: undefined, error: `Unable to verify, JWK with kid: "${kid}" not found` };
      key = new TextEncoder().encode(secret);
    }
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
      return { claims: payload };
    } catch {
      return { claims: undefined, error: 'Invalid token' };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, record: RecordedRequest, rawBody: string) => {
    const send = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const path = record.path;
    if (req.method === 'GET' && path === '/readyz') return send(200, { health: 'HEALTH' });
    if (req.method !== 'POST' || path !== jobsPath) {
      record.status = 404;
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${req.method} ${path}</pre>\n</body>\n</html>\n`);
      return;
    }
    const auth = await authenticate(req);
    (record as { claims: JWTPayload | undefined }).claims = auth.claims;
    if (auth.error) return send(403, { error: auth.error });
    let scopes: readonly string[];
    try {
      scopes = scopesOf(auth.claims);
    } catch (error) {
      // A user-defined contextToApiScopes that throws: Cube answers 500 with the error's text.
      return send(500, { error: String(error) });
    }
    if (!scopes.includes('jobs')) return send(403, { error: 'API scope is missing: jobs' });
    let body: unknown = {};
    if ((req.headers['content-type'] ?? '').includes('application/json') && rawBody !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch (error) {
        return send(500, { error: `SyntaxError: ${(error as Error).message}` });
      }
    }
    const valid = validateJobsRequest(body);
    if (!valid.ok) return send(400, { error: valid.error });
    const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
    const answer = valid.value.action === 'post' ? post(valid.value, requestId) : get(valid.value);
    if (valid.value.action === 'post' && answer.status === 200) record.issuedTokens = answer.body as string[];
    return send(answer.status, answer.body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = rawBody === '' ? undefined : JSON.parse(rawBody);
        } catch {
          parsed = rawBody;
        }
        const action =
          parsed && typeof parsed === 'object' && ((parsed as { action?: unknown }).action === 'post' || (parsed as { action?: unknown }).action === 'get')
            ? ((parsed as { action: 'post' | 'get' }).action)
            : undefined;
        const url = new URL(req.url ?? '/', 'http://fake');
        const record: RecordedRequest = {
          atMs: clock.now(),
          method: req.method ?? 'GET',
          path: url.pathname,
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
          body: parsed,
          action,
          claims: undefined,
          status: undefined,
          issuedTokens: undefined,
        };
        requests.push(record);
        const isJobs = url.pathname === jobsPath;
        for (const effect of isJobs ? faults.draw(action) : []) {
          if (effect.kind === 'latency') await new Promise((resolve) => setTimeout(resolve, effect.ms));
          if (effect.kind === 'hang') return;
          if (effect.kind === 'reset') {
            req.socket.destroy();
            return;
          }
          if (effect.kind === 'http-error') {
            record.status = effect.status;
            res.writeHead(effect.status, { 'content-type': 'application/json; charset=utf-8' });
            res.end(JSON.stringify(effect.body ?? { error: `Injected ${effect.status}` }));
            return;
          }
          if (effect.kind === 'rate-limit') {
            record.status = 429;
            res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(effect.retryAfterSeconds ?? 1) });
            res.end(JSON.stringify({ error: 'Too Many Requests' }));
            return;
          }
          if (effect.kind === 'continue-wait') {
            record.status = 200;
            res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
            res.end(JSON.stringify({ error: 'Continue wait' }));
            return;
          }
        }
        await handle(req, res, record, rawBody);
      })().catch((error: unknown) => {
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

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    apiSecret,
    requests,
    get jobs() {
      return [...jobs.values()];
    },
    async signToken(claims = {}, signOptions = {}) {
      const nowSeconds = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + Math.round((signOptions.expiresInMs ?? 3_600_000) / 1000))
        .sign(secretKey);
    },
    statusOf: (token) => statusAt(token, observe()),
    setModel(next) {
      model = next;
    },
    setFaults(rules) {
      faults.set(rules);
    },
    posts: () => requests.filter((r) => r.issuedTokens !== undefined),
    async restart(restartOptions = {}) {
      jobs = new Map();
      queuedBuilds = new Map();
      slots = new Map(); // built tables stay: they live in the database, not in Cube
      if (restartOptions.downtimeMs !== undefined) {
        await close();
        await new Promise((resolve) => setTimeout(resolve, restartOptions.downtimeMs));
        await listen(port);
      }
    },
    stop: close,
  };
}

function safeDecode(token: string): JWTPayload | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

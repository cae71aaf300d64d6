/**
 * Conformance scenarios: one list of requests whose observable answers (HTTP status, Cube's error
 * text, token counts, final statuses) must be the same from the fake and from a real Cube. Run them
 * against {@link startFakeCube} and against a real deployment with the same model, and compare. The
 * time-zone scenarios are in `conformance-time-zones.ts`.
 *
 * @module
 */
import { createCubeJobsClient } from '@cube-jobs/core';
import { createFakeAuthenticator } from './fake-cube-auth.js';

/** What a deployment under test offers the scenarios. */
export interface ConformanceTarget {
  /** Base URL including the base path. */
  readonly url: string;
  /** Signs a JWT for this deployment (claims become the security context; `scopes` narrows API scopes). */
  signToken(claims?: Record<string, unknown>): Promise<string>;
  /** Facts about the deployment's model that the scenarios refer to. */
  readonly model: {
    /**
     * A monthly-partitioned pre-aggregation id (for {@link timeZoneScenarios}, one whose build range is
     * whole UTC months).
     */
    readonly partitioned: string;
    /** Its number of partitions. */
    readonly partitionCount: number;
    /** A `dateRange` covering exactly one of its partitions. */
    readonly oneMonth: readonly [string, string];
    /** A cube, and how many jobs it yields for one context and time zone. */
    readonly cube: string;
    readonly cubeJobCount: number;
    /** How many jobs `dataSources: ['default']` yields for one context and time zone. */
    readonly defaultDataSourceJobCount: number;
    /** A pre-aggregation whose build fails. */
    readonly broken: string;
  };
  /** Longest time to wait for builds to finish. @default 30000 */
  readonly buildTimeoutMs?: number;
}

/**
 * A target's `signToken` for a deployment that verifies HS256 JWTs with `apiSecret` (the claims become
 * the security context; tokens live one hour).
 */
export function hs256TokenSigner(apiSecret: string): ConformanceTarget['signToken'] {
  const { signToken } = createFakeAuthenticator({ apiSecret });
  return (claims = {}) => signToken(claims, 3_600_000);
}

/** What a scenario observed. */
export interface ConformanceObservation {
  /** HTTP status of the request under test. */
  readonly status: number;
  /** Cube's `error` text, if any. */
  readonly error?: string;
  /** Tokens issued by a `post`. */
  readonly tokenCount?: number;
  /** Final status of every job, sorted; failure messages reduced to `failure`. */
  readonly finalStates?: readonly string[];
  /** `<time zone>:<partition start>` of every job, from its table name, sorted (time-zone scenarios). */
  readonly partitions?: readonly string[];
  /** HTTP status of a status read (`get`) that did not answer 200 with a list (older Cube releases). */
  readonly pollStatus?: number;
}

/** One scenario. */
export interface ConformanceScenario {
  /** A stable name, used as the fixture key. */
  readonly name: string;
  /** Runs it against a target. */
  run(target: ConformanceTarget): Promise<ConformanceObservation>;
}

/** The one context and time zone most scenarios post. */
export const ctx = { contexts: [{ securityContext: {} }], timezones: ['UTC'] };

async function jobs(
  target: ConformanceTarget,
  body: unknown,
  token?: string | null,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const auth = token === undefined ? await target.signToken() : token;
  if (auth !== null) headers.authorization = auth;
  const response = await fetch(`${target.url}/v1/pre-aggregations/jobs`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

function errorOf(body: unknown): { error?: string } {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? { error } : {};
}

/**
 * Cube names a table after its build time in whole seconds, so two builds of one partition within a
 * second collide (`relation … already exists`). Like the harness that recorded the live answers,
 * space the posts to one target by more than a second, counted from the previous post's answer.
 */
const lastPostAtMs = new WeakMap<ConformanceTarget, number>();
const POST_SPACING_MS = 1100;

/** `<time zone>:<partition suffix>` of a job, e.g. `America/New_York:20231201`. */
function partitionOf(item: { table?: string; selector?: { timezones?: Array<string | null> } }): string {
  const suffix = /(\d{8,10})_[a-z0-9]+_[a-z0-9]+_[a-z0-9]+$/.exec(item.table ?? '')?.[1] ?? '-';
  return `${item.selector?.timezones?.[0] ?? '?'}:${suffix}`;
}

/** Posts a selector (spaced from the previous post) and polls its jobs until they finish. */
export async function postAndWait(
  target: ConformanceTarget,
  selector: object,
  options: { partitions?: boolean } = {},
): Promise<ConformanceObservation> {
  const waitMs = (lastPostAtMs.get(target) ?? 0) + POST_SPACING_MS - Date.now();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  const posted = await jobs(target, { action: 'post', selector: { ...ctx, ...selector } });
  // Measured from the answer: Cube names the tables while it plans, before it answers.
  lastPostAtMs.set(target, Date.now());
  if (posted.status !== 200 || !Array.isArray(posted.body)) return { status: posted.status, ...errorOf(posted.body) };
  const tokens = posted.body as string[];
  const deadline = Date.now() + (target.buildTimeoutMs ?? 30_000);
  for (;;) {
    const polled = await jobs(target, { action: 'get', tokens });
    if (polled.status !== 200 || !Array.isArray(polled.body)) {
      return { status: posted.status, tokenCount: tokens.length, pollStatus: polled.status, ...errorOf(polled.body) };
    }
    const items = polled.body as Array<{ status: string; table?: string; selector?: { timezones?: string[] } }>;
    const states = items.map((s) => (s.status.startsWith('failure') ? 'failure' : s.status));
    const finished = states.every((s) => s !== 'scheduled' && s !== 'processing');
    if (finished || Date.now() > deadline)
      return {
        status: posted.status,
        tokenCount: tokens.length,
        finalStates: [...states].sort(),
        ...(options.partitions ? { partitions: items.map(partitionOf).sort() } : {}),
      };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One request and its status and Cube's error text. */
export async function plain(
  target: ConformanceTarget,
  body: unknown,
  token?: string | null,
): Promise<ConformanceObservation> {
  const answer = await jobs(target, body, token);
  return { status: answer.status, ...errorOf(answer.body) };
}

/**
 * Builds what `selector` selects with core's client, waits, then verifies every job with `verifyJobs` (a
 * query per partition): the observation's `finalStates` are the verification outcomes, sorted. When the
 * client throws (an older release), `status` is 0 and `error` the typed error's name.
 */
async function buildAndVerify(target: ConformanceTarget, selector: object): Promise<ConformanceObservation> {
  const waitMs = (lastPostAtMs.get(target) ?? 0) + POST_SPACING_MS - Date.now();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  const client = createCubeJobsClient({
    apiUrl: target.url,
    token: await target.signToken(),
    advanced: { maxRetries: 0 },
  });
  try {
    const tokens = await client.triggerBuild({ ...ctx, ...selector });
    lastPostAtMs.set(target, Date.now());
    await client.waitForJobs({ tokens, deadlineMs: target.buildTimeoutMs ?? 30_000 });
    const verifications = await client.verifyJobs(tokens);
    return { status: 200, tokenCount: tokens.length, finalStates: verifications.map((v) => v.outcome).sort() };
  } catch (error) {
    return { status: 0, error: error instanceof Error ? error.name : String(error) };
  }
}

/** The scenarios, in a stable order. */
export const conformanceScenarios: readonly ConformanceScenario[] = [
  {
    name: 'post by pre-aggregation, poll to done',
    run: (t) => postAndWait(t, { preAggregations: [t.model.partitioned] }),
  },
  { name: 'post by cube', run: (t) => postAndWait(t, { cubes: [t.model.cube] }) },
  { name: 'post by data source', run: (t) => postAndWait(t, { dataSources: ['default'] }) },
  {
    name: 'post with a one-month dateRange',
    run: (t) => postAndWait(t, { preAggregations: [t.model.partitioned], dateRange: t.model.oneMonth }),
  },
  {
    name: 'post with two time zones and a one-month dateRange',
    run: (t) =>
      postAndWait(t, {
        timezones: ['UTC', 'America/New_York'],
        preAggregations: [t.model.partitioned],
        dateRange: t.model.oneMonth,
      }),
  },
  { name: 'post a failing pre-aggregation', run: (t) => postAndWait(t, { preAggregations: [t.model.broken] }) },
  {
    name: 'get an unknown token',
    run: async (t) => {
      const answer = await jobs(t, { action: 'get', tokens: ['0'.repeat(32)] });
      if (!Array.isArray(answer.body)) return { status: answer.status, ...errorOf(answer.body) };
      return { status: answer.status, finalStates: (answer.body as Array<{ status: string }>).map((s) => s.status) };
    },
  },
  { name: 'no Authorization header', run: (t) => plain(t, { action: 'post', selector: ctx }, null) },
  {
    name: 'invalid token',
    run: (t) => plain(t, { action: 'post', selector: ctx }, 'eyJhbGciOiJIUzI1NiJ9.e30.invalid-signature'),
  },
  {
    name: 'missing jobs scope',
    run: async (t) => plain(t, { action: 'post', selector: ctx }, await t.signToken({ scopes: ['meta', 'data'] })),
  },
  { name: 'empty body', run: (t) => plain(t, {}) },
  { name: 'unknown action', run: (t) => plain(t, { action: 'delete', selector: ctx }) },
  {
    name: 'selector without timezones',
    run: (t) => plain(t, { action: 'post', selector: { contexts: ctx.contexts } }),
  },
  {
    name: 'context without securityContext',
    run: (t) => plain(t, { action: 'post', selector: { contexts: [{}], timezones: ['UTC'] } }),
  },
  { name: 'cubes is a string', run: (t) => plain(t, { action: 'post', selector: { ...ctx, cubes: t.model.cube } }) },
  { name: 'unknown selector key', run: (t) => plain(t, { action: 'post', selector: { ...ctx, tables: ['x'] } }) },
  {
    name: 'invalid time zone',
    run: (t) => plain(t, { action: 'post', selector: { ...ctx, timezones: ['Mars/Olympus_Mons'] } }),
  },
  {
    name: 'unknown pre-aggregation',
    run: (t) => plain(t, { action: 'post', selector: { ...ctx, preAggregations: [`${t.model.cube}.no_such_rollup`] } }),
  },
  {
    name: 'unparseable dateRange',
    run: (t) =>
      plain(t, {
        action: 'post',
        selector: { ...ctx, preAggregations: [t.model.partitioned], dateRange: ['not-a-date', '2024-02-01'] },
      }),
  },
  {
    name: 'dateRange with one element',
    run: (t) => plain(t, { action: 'post', selector: { ...ctx, dateRange: ['2024-02-01'] } }),
  },
  {
    name: 'dateRange outside the build range',
    run: (t) =>
      plain(t, {
        action: 'post',
        selector: { ...ctx, preAggregations: [t.model.partitioned], dateRange: ['2023-01-01', '2023-12-31'] },
      }),
  },
  { name: 'get with no tokens', run: (t) => plain(t, { action: 'get', tokens: [] }) },
  { name: 'get with resType array', run: (t) => plain(t, { action: 'get', tokens: ['a'], resType: 'array' }) },
  {
    name: 'query (load) without the data scope',
    run: async (t) => {
      const response = await fetch(`${t.url}/v1/load`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: await t.signToken({ scopes: ['jobs', 'meta'] }) },
        body: JSON.stringify({ query: {} }),
      });
      return { status: response.status, ...errorOf(await response.json().catch(() => undefined)) };
    },
  },
  {
    name: 'verify one month of the partitioned pre-aggregation',
    run: (t) => buildAndVerify(t, { preAggregations: [t.model.partitioned], dateRange: t.model.oneMonth }),
  },
  { name: 'verify every pre-aggregation of a cube', run: (t) => buildAndVerify(t, { cubes: [t.model.cube] }) },
];

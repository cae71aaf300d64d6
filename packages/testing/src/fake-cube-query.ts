/**
 * The fake Cube's query side, as much of it as verifying a build needs: `/v1/meta?extended` (each
 * pre-aggregation's definition) and `/v1/load` answered from the tables the fake has built, the way
 * Cube 1.7.43 answers with pre-aggregations built by the jobs API and no refresh worker (measured on
 * PostgreSQL):
 *
 * - each cube has one measure, `count`, and one time dimension, `created_at`; a partitioned
 *   pre-aggregation is `[count]` by `created_at` at its partition granularity, any other `[count]`;
 * - a query is served by the first pre-aggregation of its cube that can serve it, in model order (one
 *   without a time dimension can be served by a partitioned one);
 * - the answer names what it read (`usedPreAggregations`: id, `lastUpdatedAt` = the build time in the
 *   table's name, type) and returns `min(rows, limit)` rows;
 * - a partition never built is answered from the latest built partition of the pre-aggregation, with no
 *   rows; none built at all is Cube's 400 "No pre-aggregation partitions were built yet…";
 * - a dropped table (`FakeCube.dropTable`) is a 400 `relation "…" does not exist`.
 *
 * The result cache is not modelled: every answer is fresh (what `cache: 'no-cache'` asks of Cube).
 *
 * @module
 */
import type { BuiltTable, FakeBuildQueue, JobsAnswer } from './fake-cube-queue.js';
import type { ResolvedPreAggregation } from './model.js';
import { toWallClock } from './validation.js';

/** The pre-aggregations of a cube as `/v1/meta?extended` lists them. */
export function extendedPreAggregations(queue: FakeBuildQueue, cube: string): object[] {
  return queue
    .preAggregations()
    .filter((pre) => pre.cube === cube)
    .map((pre) => {
      const granularity = pre.definition.partitionGranularity;
      return {
        name: pre.definition.name,
        type: pre.definition.type ?? 'rollup',
        measureReferences: '[count]',
        dimensionReferences: '[]',
        ...(granularity
          ? { timeDimensionReference: 'created_at', granularity, partitionGranularity: granularity }
          : {}),
      };
    });
}

/** The members of a fake cube as `/v1/meta` lists them. */
export function cubeMembers(cube: string): { measures: object[]; dimensions: object[] } {
  return {
    measures: [{ name: `${cube}.count`, title: 'Count', type: 'number', aggType: 'count' }],
    dimensions: [{ name: `${cube}.created_at`, title: 'Created at', type: 'time' }],
  };
}

interface LoadQuery {
  readonly measures?: unknown;
  readonly timeDimensions?: ReadonlyArray<{ dimension?: unknown; granularity?: unknown; dateRange?: unknown }>;
  readonly timezone?: unknown;
  readonly limit?: unknown;
}

const unqueryable = (pre: ResolvedPreAggregation) =>
  pre.definition.type === 'originalSql' ||
  pre.definition.type === 'rollupJoin' ||
  pre.definition.type === 'rollupLambda';

/** Answers `POST /v1/load` (the caller has the `data` scope). */
export function answerLoad(queue: FakeBuildQueue, body: unknown): JobsAnswer {
  const query = ((body as { query?: unknown } | undefined)?.query ?? {}) as LoadQuery;
  const measures = Array.isArray(query.measures) ? (query.measures as unknown[]) : [];
  const cube = typeof measures[0] === 'string' ? measures[0].split('.')[0] : undefined;
  const td = query.timeDimensions?.[0];
  const pre = queue
    .preAggregations()
    .find((p) => p.cube === cube && !unqueryable(p) && (td === undefined || p.definition.partitionGranularity));
  if (cube === undefined || measures.some((m) => m !== `${cube}.count`) || !pre) {
    return { status: 400, body: { error: `Error: the fake Cube cannot answer this query: ${JSON.stringify(query)}` } };
  }
  const timezone = typeof query.timezone === 'string' ? query.timezone : 'UTC';
  const range = Array.isArray(td?.dateRange) ? (td.dateRange as unknown[]).map((b) => toWallClock(String(b))) : [];
  const [from, to] = range;
  const built = [...queue.builtTables().entries()]
    .filter(([, table]) => table.preAggregation === pre.id && table.timezone === timezone)
    .sort(([, a], [, b]) => a.versionMs - b.versionMs);
  if (built.length === 0) {
    return {
      status: 400,
      body: {
        error:
          'Error: No pre-aggregation partitions were built yet for the pre-aggregation serving this query and ' +
          "this API instance wasn't set up to build pre-aggregations.",
      },
    };
  }
  const inRange = ([, table]: [string, BuiltTable]) =>
    !pre.definition.partitionGranularity ||
    from === undefined ||
    to === undefined ||
    (table.partitionStart !== undefined && table.partitionStart >= from && table.partitionStart <= to);
  // Cube reads the newest build of each partition in range; the fake's partitions in range are one at most.
  const read = built.filter(inRange).at(-1);
  const placeholder = built.at(-1) as [string, BuiltTable];
  const [name, table] = read ?? placeholder;
  if (table.dropped) return { status: 400, body: { error: `Error: relation "${name}" does not exist` } };
  const limit = typeof query.limit === 'number' ? query.limit : 10_000;
  const rows = read ? Math.min(table.rows, limit) : 0;
  const logical = name.replace(/(\d{4}|\d{6}|\d{8}|\d{10})?_[a-z0-9]+_[a-z0-9]+_[a-z0-9]+$/, '');
  return {
    status: 200,
    body: {
      query,
      data: Array.from({ length: rows }, (_, i) => ({
        [`${cube}.count`]: String(i + 1),
        ...(table.partitionStart ? { [`${cube}.created_at`]: table.partitionStart } : {}),
      })),
      lastRefreshTime: new Date(table.versionMs).toISOString(),
      usedPreAggregations: { [logical]: { preAggregationId: pre.id, lastUpdatedAt: table.versionMs, type: 'rollup' } },
      dataSource: pre.dataSource,
      dbType: 'fake',
      external: false,
      slowQuery: false,
      total: null,
    },
  };
}

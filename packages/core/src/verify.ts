/**
 * Verification of `done` jobs: Cube's jobs API can read `done` for a partition it does not serve
 * (cube-js/cube #11609: zero-row imports, `done` before the import finished). For each `done` job this
 * asks Cube a query the job's pre-aggregation serves for exactly the job's partition (`/v1/load`, scope
 * `data`, result cache bypassed), built from the pre-aggregation's definition (`/v1/meta?extended`, scope
 * `meta`), and checks what Cube answered: that it read the pre-aggregation, a build at least as new as
 * the job's own (Cube's `lastUpdatedAt` against the build time in the job's table name: both Cube's
 * clock), and, when asked, at least `minRows` rows.
 *
 * Measured on Cube 1.7.43 (PostgreSQL): every `/v1/load` answer names the pre-aggregations it read
 * (`usedPreAggregations`: id, `lastUpdatedAt`); an unbuilt partition is answered from another
 * partition's table with no rows; a partition whose rows were deleted answers no rows; a dropped table
 * answers 400 `relation "…" does not exist`. Releases before 1.7.43 name the pre-aggregations only in
 * dev mode or to the playground secret: there every job reads as not served from its pre-aggregation.
 *
 * @module
 */
import type { JobStatus } from './job.js';

/** What verifying one `done` job saw. */
export interface PartitionVerification {
  /** The job's token. */
  readonly token: string;
  /** `cube.preAggregation`, as Cube echoed it for the job. */
  readonly preAggregation: string | undefined;
  /** The versioned table the job built (for a merged job, the table of the build it was merged into). */
  readonly table: string | undefined;
  /** The time zone the job built (and the query asked) in. */
  readonly timezone: string | undefined;
  /** The partition queried (local wall time in the job's time zone); absent for a pre-aggregation without partitions. */
  readonly dateRange?: readonly [string, string] | undefined;
  /**
   * `verified`: Cube answered from the pre-aggregation, built no earlier than the job's table, with at
   * least `minRows` rows. `failed`: it did not (a partition not served, older, too small or dropped:
   * triggering the job again may mend it). `unchecked`: no query can tell (the job is not `done`, the
   * pre-aggregation has no measures or is gone from the model, or Cube answers its query from another
   * pre-aggregation that comes first in the model).
   */
  readonly outcome: 'verified' | 'failed' | 'unchecked';
  /** What was wrong or why it could not be checked (Cube's own message when it refused the query). */
  readonly problem?: string | undefined;
  /** Rows the query returned (it asks for at most `max(minRows, 1)`). */
  readonly rows?: number | undefined;
  /** When the job's table was built (from its name), ISO 8601. */
  readonly builtAt?: string | undefined;
  /** When the build Cube read was made (its `lastUpdatedAt`), ISO 8601. */
  readonly servedBuiltAt?: string | undefined;
}

/** A pre-aggregation as a verification query needs it, from `/v1/meta?extended`. */
export interface PreAggregationDefinition {
  readonly type: string | undefined;
  readonly measures: readonly string[];
  readonly dimensions: readonly string[];
  readonly timeDimension: string | undefined;
  readonly granularity: string | undefined;
  readonly partitionGranularity: string | undefined;
}

/** A Cube query (`/v1/load`). */
export interface CubeQuery {
  readonly measures: readonly string[];
  readonly dimensions: readonly string[];
  readonly timeDimensions?: ReadonlyArray<{
    readonly dimension: string;
    readonly granularity?: string | undefined;
    readonly dateRange?: readonly [string, string] | undefined;
  }>;
  readonly timezone: string;
  readonly limit: number;
}

/** The list of members a reference string names (`"[count, total_amount]"`, `"CUBE.status"`), qualified with the cube. */
export function memberReferences(references: unknown, cube: string): string[] {
  if (typeof references !== 'string') return [];
  return references
    .replace(/^\s*\[|\]\s*$/g, '')
    .split(',')
    .map((name) => name.trim().replace(/^\{?CUBE\}?\./, ''))
    .filter((name) => /^[A-Za-z_][\w.]*$/.test(name))
    .map((name) => (name.includes('.') ? name : `${cube}.${name}`));
}

/** Every pre-aggregation of a `/v1/meta?extended` answer, by id (`cube.name`). */
export function preAggregationDefinitions(meta: unknown): Map<string, PreAggregationDefinition> {
  const definitions = new Map<string, PreAggregationDefinition>();
  const cubes = (meta as { cubes?: unknown } | undefined)?.cubes;
  if (!Array.isArray(cubes)) return definitions;
  for (const cube of cubes as Array<{ name?: unknown; preAggregations?: unknown }>) {
    if (typeof cube?.name !== 'string' || !Array.isArray(cube.preAggregations)) continue;
    for (const pre of cube.preAggregations as Array<Record<string, unknown>>) {
      if (typeof pre?.name !== 'string') continue;
      const [timeDimension] = memberReferences(pre.timeDimensionReference, cube.name);
      definitions.set(`${cube.name}.${pre.name}`, {
        type: typeof pre.type === 'string' ? pre.type : undefined,
        measures: memberReferences(pre.measureReferences, cube.name),
        dimensions: memberReferences(pre.dimensionReferences, cube.name),
        timeDimension,
        granularity: typeof pre.granularity === 'string' ? pre.granularity : undefined,
        partitionGranularity: typeof pre.partitionGranularity === 'string' ? pre.partitionGranularity : undefined,
      });
    }
  }
  return definitions;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})$/;

/** The partition that starts at `start` (local wall time), as `[start, last millisecond]`; undefined for an unknown granularity. */
export function partitionRange(start: string, partitionGranularity: string): [string, string] | undefined {
  const parts = WALL_CLOCK.exec(start);
  if (!parts) return undefined;
  const [year, month, day, hour] = parts.slice(1, 5).map(Number) as [number, number, number, number];
  const next: Record<string, () => number> = {
    hour: () => Date.UTC(year, month - 1, day, hour + 1),
    day: () => Date.UTC(year, month - 1, day + 1),
    week: () => Date.UTC(year, month - 1, day + 7),
    month: () => Date.UTC(year, month, 1),
    quarter: () => Date.UTC(year, month + 2, 1),
    year: () => Date.UTC(year + 1, 0, 1),
  };
  const end = next[partitionGranularity]?.();
  if (end === undefined) return undefined;
  return [start, new Date(end - 1).toISOString().slice(0, 23)];
}

/** When a versioned table was built: the last part of its name, whole seconds in base 32 (Cube's own encoding). */
export function tableBuiltAtMs(table: string | undefined): number | undefined {
  const suffix = table === undefined ? undefined : /_([0-9a-v]+)$/.exec(table)?.[1];
  if (suffix === undefined) return undefined;
  const seconds = parseInt(suffix, 32);
  // A build time between 2001 and 2286, else the name does not end in one.
  return seconds > 1e9 && seconds < 1e10 ? seconds * 1000 : undefined;
}

/** The table a job's partition lives in: a merged job's is the build it was merged into. */
export function partitionTable(job: JobStatus): string | undefined {
  return job.merge?.table ?? job.table;
}

/** The query that reads exactly a job's partition from its pre-aggregation, or why there is none. */
export function verificationQuery(
  job: JobStatus,
  definition: PreAggregationDefinition,
  minRows: number,
): { query: CubeQuery; dateRange: [string, string] | undefined } | { problem: string } {
  if (definition.measures.length === 0) {
    return {
      problem: `no query checks it: the pre-aggregation has no measures (type ${definition.type ?? 'unknown'})`,
    };
  }
  let dateRange: [string, string] | undefined;
  if (definition.partitionGranularity !== undefined) {
    dateRange =
      job.partitionStart === undefined
        ? undefined
        : partitionRange(job.partitionStart, definition.partitionGranularity);
    if (dateRange === undefined) {
      return {
        problem: `no query checks it: its partition cannot be read from the table name ${job.table ?? '(none)'}`,
      };
    }
  }
  const timeDimension = definition.timeDimension;
  return {
    dateRange,
    query: {
      measures: definition.measures,
      dimensions: definition.dimensions,
      ...(timeDimension
        ? {
            timeDimensions: [
              {
                dimension: timeDimension,
                ...(definition.granularity ? { granularity: definition.granularity } : {}),
                ...(dateRange ? { dateRange } : {}),
              },
            ],
          }
        : {}),
      timezone: job.selector?.timezones?.[0] ?? 'UTC',
      limit: Math.max(1, minRows),
    },
  };
}

/** One pre-aggregation a `/v1/load` answer says it read. */
interface UsedPreAggregation {
  readonly preAggregationId?: unknown;
  readonly lastUpdatedAt?: unknown;
  readonly targetTableName?: unknown;
}

/** The logical table of a versioned one: without its partition digits and its three version parts. */
function logicalTableOf(table: string): string {
  return table.replace(/(\d{4}|\d{6}|\d{8}|\d{10})?_[a-z0-9]+_[a-z0-9]+_[a-z0-9]+$/, '');
}

/**
 * Judges Cube's `/v1/load` answer to a job's verification query: read from the job's pre-aggregation
 * (by id, or in releases that name only tables, by logical table), a build no older than the job's
 * table (or, where Cube names the tables it read, the job's table itself), and at least `minRows` rows.
 */
export function judgeAnswer(
  job: JobStatus,
  answer: unknown,
  minRows: number,
  dateRange: [string, string] | undefined,
): PartitionVerification {
  const preAggregation = job.selector?.preAggregations?.[0];
  const table = partitionTable(job);
  const builtAtMs = tableBuiltAtMs(table);
  const body = (answer ?? {}) as { data?: unknown; usedPreAggregations?: unknown };
  const rows = Array.isArray(body.data) ? body.data.length : 0;
  const used = Object.entries((body.usedPreAggregations ?? {}) as Record<string, UsedPreAggregation>);
  const served = used.find(
    ([name, usage]) =>
      usage?.preAggregationId === preAggregation ||
      (usage?.preAggregationId === undefined && table !== undefined && name === logicalTableOf(table)),
  )?.[1];
  const servedBuiltAtMs = typeof served?.lastUpdatedAt === 'number' ? served.lastUpdatedAt : undefined;
  const base = {
    token: job.token,
    preAggregation,
    table,
    timezone: job.selector?.timezones?.[0] ?? undefined,
    ...(dateRange ? { dateRange } : {}),
    rows,
    ...(builtAtMs === undefined ? {} : { builtAt: new Date(builtAtMs).toISOString() }),
    ...(servedBuiltAtMs === undefined ? {} : { servedBuiltAt: new Date(servedBuiltAtMs).toISOString() }),
  };
  const fail = (problem: string): PartitionVerification => ({ ...base, outcome: 'failed', problem });
  if (!served && used.length > 0) {
    const others = used.map(([name, usage]) =>
      typeof usage?.preAggregationId === 'string' ? usage.preAggregationId : name,
    );
    return {
      ...base,
      outcome: 'unchecked',
      problem: `Cube answers its query from ${others.join(', ')} (first in the model), so no query reads ${preAggregation ?? 'it'}`,
    };
  }
  if (!served) {
    return fail(
      `Cube answered from the source data, not from ${preAggregation ?? 'its pre-aggregation'} ` +
        '(Cube before 1.7.43 names the pre-aggregations it read only in dev mode)',
    );
  }
  const readTables = typeof served.targetTableName === 'string' ? served.targetTableName : undefined;
  const readsOwnTable = readTables !== undefined && table !== undefined && readTables.includes(table);
  if (!readsOwnTable && builtAtMs !== undefined) {
    if (servedBuiltAtMs === undefined) return fail('Cube did not say when the build it read was made');
    if (servedBuiltAtMs < builtAtMs) {
      return fail(
        `Cube answered from an older build (made ${new Date(servedBuiltAtMs).toISOString()}, the job's ${new Date(builtAtMs).toISOString()})`,
      );
    }
  }
  if (rows < minRows) return fail(`the partition has ${rows} row(s), fewer than minRows (${minRows})`);
  return { ...base, outcome: 'verified' };
}

/** A job that failed verification or cannot be checked, with why. */
export function unverified(
  job: JobStatus,
  outcome: 'failed' | 'unchecked',
  problem: string,
  dateRange?: [string, string],
): PartitionVerification {
  const table = partitionTable(job);
  const builtAtMs = tableBuiltAtMs(table);
  return {
    token: job.token,
    preAggregation: job.selector?.preAggregations?.[0],
    table,
    timezone: job.selector?.timezones?.[0] ?? undefined,
    ...(dateRange ? { dateRange } : {}),
    outcome,
    problem,
    ...(builtAtMs === undefined ? {} : { builtAt: new Date(builtAtMs).toISOString() }),
  };
}

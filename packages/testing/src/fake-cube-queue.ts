/**
 * The fake Cube's build queue: a pure model of Cube's pre-aggregation queue, driven by a clock. A
 * `post` plans one job per context × pre-aggregation × time zone × partition and queues it on its data
 * source (with a concurrency limit, de-duplicating identical in-flight builds as Cube 1.7.43 does); a
 * `get` reads each job's status at one instant. No I/O: the HTTP layer (`fake-cube.ts`) calls it.
 * One class over 300 lines: the queue's state (jobs, slots, built tables) and the transitions that read
 * and change it belong together.
 *
 * @module
 */
import type { FakeClock } from './clock.js';
import { jobToken, partitionTableNames } from './fake-cube-naming.js';
import {
  listPreAggregations,
  matchPreAggregations,
  type BuildOutcome,
  type FakeCubeModel,
  type PartitionRef,
  type ResolvedPreAggregation,
} from './model.js';
import { intersects, partitionsOf } from './partitions.js';
import { toWallClock, type ValidGet, type ValidPost } from './validation.js';

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

/** How the queue behaves (see `FakeCubeOptions` for each field's meaning and default). */
export interface BuildQueueOptions {
  readonly clock: FakeClock;
  readonly model: FakeCubeModel;
  readonly concurrency: number;
  readonly defaultDurationMs: number;
  readonly jobTtlMs: number;
  readonly preAggregationsSchema: string;
  readonly sameSecondRebuildFails: boolean;
  readonly dedupInFlightBuilds: boolean;
}

/** A pre-aggregation table that was built. */
export interface BuiltTable extends PartitionRef {
  /** When its build finished. */
  readonly builtAtMs: number;
  /** The build time its name carries, in whole seconds (Cube's `lastUpdatedAt` of it). */
  readonly versionMs: number;
  /** Rows it holds. */
  rows: number;
  /** Dropped from the database behind Cube's back: Cube still lists it, and a query of it fails. */
  dropped: boolean;
}

/** An answer of the jobs endpoint, before it is written as JSON. */
export interface JobsAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** The instant a `get` is answered at: finished builds applied once, not once per token. */
interface Instant {
  readonly now: number;
  readonly liveIds: ReadonlySet<string>;
}

/** How a pre-aggregation's build of one partition ends, per its definition. */
function outcomeOf(pre: ResolvedPreAggregation, ref: PartitionRef): BuildOutcome {
  const outcome = pre.definition.outcome;
  if (outcome === undefined) return { kind: 'done' };
  if (typeof outcome === 'string') return { kind: 'failure', message: outcome };
  return outcome(ref);
}

/** Cube's pre-aggregation queue, as the fake models it. */
export class FakeBuildQueue {
  private model: FakeCubeModel;
  private jobs = new Map<string, FakeJob>();
  /** Per data source, when each queue slot is free next. */
  private slots = new Map<string, number[]>();
  /** Physical tables that exist, by name (they outlive a Cube restart). */
  private readonly tables = new Map<string, BuiltTable>();
  /** The latest queued build of each partition (table name up to its time suffix), as Cube's queue keys it. */
  private queuedBuilds = new Map<string, FakeJob>();

  constructor(private readonly options: BuildQueueOptions) {
    this.model = options.model;
  }

  /** Every job created since the last restart, oldest first. */
  allJobs(): FakeJob[] {
    return [...this.jobs.values()];
  }

  /** The model's cube names, in model order (what `/v1/meta` lists). */
  cubeNames(): string[] {
    return this.model.cubes.map((cube) => cube.name);
  }

  /** Replaces the model; jobs of removed pre-aggregations that have not finished read `pre_agg_not_found`. */
  setModel(model: FakeCubeModel): void {
    this.model = model;
  }

  /** The built tables, by name (after applying the builds finished by now). */
  builtTables(): ReadonlyMap<string, BuiltTable> {
    this.observe();
    return this.tables;
  }

  /** The model's pre-aggregations, in model order. */
  preAggregations(): ResolvedPreAggregation[] {
    return listPreAggregations(this.model);
  }

  /** Forgets every job and queue item, as Cube with the memory driver does when it restarts. Tables stay. */
  forgetJobs(): void {
    this.jobs = new Map();
    this.queuedBuilds = new Map();
    this.slots = new Map();
  }

  /** The status `get` would report for a token now. */
  statusOf(token: string): string {
    return this.statusAt(token, this.observe());
  }

  /** Answers a valid `post`: the tokens of the jobs it queued, or Cube's error. */
  post(value: ValidPost, requestId: string): JobsAnswer {
    const selector = value.selector;
    if (selector === undefined)
      return { status: 500, body: { error: "TypeError: Cannot read properties of undefined (reading 'dateRange')" } };
    let range: [string, string] | undefined;
    if (selector.dateRange) {
      const [a, b] = selector.dateRange.map(toWallClock);
      if (a === undefined || b === undefined) {
        return { status: 400, body: { error: `Cannot parse selector date range ${selector.dateRange.join(',')}` } };
      }
      range = [a, b];
    }
    const now = this.options.clock.now();
    const created: FakeJob[] = [];
    for (const context of selector.contexts) {
      for (const pre of matchPreAggregations(this.model, selector)) {
        if (pre.definition.type === 'rollupJoin' || pre.definition.type === 'rollupLambda') continue;
        for (const timezone of selector.timezones) {
          for (const partition of partitionsOf(pre.definition, timezone)) {
            if (partition && range && !intersects(partition, range)) continue;
            const ref: PartitionRef = { preAggregation: pre.id, timezone, partitionStart: partition?.start };
            created.push(
              this.plan({
                pre,
                ref,
                partitionSuffix: partition?.suffix,
                securityContext: context.securityContext,
                requestId,
                now,
                planned: created.length,
              }),
            );
          }
        }
      }
    }
    if (created.length === 0) {
      return {
        status: 400,
        body: { error: "A user's selector doesn't match any of the pre-aggregations defined in the data model." },
      };
    }
    this.settle(now);
    for (const job of created) this.jobs.set(job.token, job);
    return { status: 200, body: created.map((job) => job.token) };
  }

  /** Answers a valid `get`: each token's status, as an array or (with `resType: 'object'`) an object. */
  get(value: ValidGet): JobsAnswer {
    const instant = this.observe();
    const items = value.tokens.map((token) => {
      const status = this.statusAt(token, instant);
      const job = this.jobs.get(token);
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
  }

  /** Plans one job: merged into an identical in-flight build, or queued on its data source. */
  private plan(job: {
    pre: ResolvedPreAggregation;
    ref: PartitionRef;
    partitionSuffix: string | undefined;
    securityContext: unknown;
    requestId: string;
    now: number;
    planned: number;
  }): FakeJob {
    const { pre, ref, securityContext, requestId, now } = job;
    const { logicalTable, table, buildKey } = partitionTableNames({
      schema: this.options.preAggregationsSchema,
      cube: pre.cube,
      name: pre.definition.name,
      preAggregationId: pre.id,
      partitionSuffix: job.partitionSuffix,
      partitionStart: ref.partitionStart,
      timezone: ref.timezone,
      securityContext,
      plannedAtMs: now,
    });
    const token = jobToken({ requestId, table, timezone: ref.timezone, n: this.jobs.size + job.planned });
    const twin = this.queuedBuilds.get(buildKey);
    if (this.options.dedupInFlightBuilds && twin && now < twin.finishesAtMs) {
      return { ...twin, token, requestId, table, enqueuedAtMs: now, securityContext, dedupedInto: twin.token };
    }
    const duration = pre.definition.buildDurationMs;
    const queued = this.enqueue(
      {
        token,
        preAggregation: pre.id,
        cube: pre.cube,
        dataSource: pre.dataSource,
        timezone: ref.timezone,
        securityContext,
        partitionStart: ref.partitionStart,
        logicalTable,
        table,
        requestId,
        enqueuedAtMs: now,
        outcome: outcomeOf(pre, ref),
      },
      typeof duration === 'function' ? duration(ref) : (duration ?? this.options.defaultDurationMs),
    );
    this.queuedBuilds.set(buildKey, queued);
    return queued;
  }

  /** Puts a job on the queue slot of its data source that frees up first. */
  private enqueue(job: Omit<FakeJob, 'startsAtMs' | 'finishesAtMs'>, durationMs: number): FakeJob {
    const free = this.slots.get(job.dataSource) ?? Array.from({ length: this.options.concurrency }, () => 0);
    this.slots.set(job.dataSource, free);
    let slot = 0;
    for (let i = 1; i < free.length; i += 1) if ((free[i] as number) < (free[slot] as number)) slot = i;
    const startsAtMs = Math.max(job.enqueuedAtMs, free[slot] as number);
    const finishesAtMs = startsAtMs + durationMs;
    free[slot] = finishesAtMs;
    return { ...job, startsAtMs, finishesAtMs };
  }

  /** Applies the builds that have finished by now to the set of existing tables. */
  private settle(now: number): void {
    for (const job of this.jobs.values()) {
      if (job.finishesAtMs > now || job.outcome.kind !== 'done' || job.dedupedInto !== undefined) continue;
      if (this.tables.has(job.table)) continue;
      const ref = { preAggregation: job.preAggregation, timezone: job.timezone, partitionStart: job.partitionStart };
      const pre = listPreAggregations(this.model).find((p) => p.id === job.preAggregation);
      const rows = pre?.definition.rows;
      this.tables.set(job.table, {
        ...ref,
        builtAtMs: job.finishesAtMs,
        versionMs: Math.floor(job.enqueuedAtMs / 1000) * 1000,
        rows: typeof rows === 'function' ? rows(ref) : (rows ?? 1),
        dropped: false,
      });
    }
  }

  private observe(): Instant {
    const now = this.options.clock.now();
    this.settle(now);
    return { now, liveIds: new Set(listPreAggregations(this.model).map((p) => p.id)) };
  }

  private statusAt(token: string, { now, liveIds }: Instant): string {
    const job = this.jobs.get(token);
    if (!job || now - job.enqueuedAtMs >= this.options.jobTtlMs) return 'not_found';
    if (job.dedupedInto !== undefined) return this.mergedStatusAt(job, now);
    if (now < job.finishesAtMs) {
      if (!liveIds.has(job.preAggregation)) return 'pre_agg_not_found';
      if (now < job.startsAtMs) return 'scheduled';
      return job.outcome.kind === 'dropped' ? job.outcome.queueState : 'processing';
    }
    if (job.outcome.kind === 'failure') return `failure: ${job.outcome.message}`;
    if (job.outcome.kind === 'missing_partition' || job.outcome.kind === 'dropped') return 'missing_partition';
    const builtAt = this.tables.get(job.table)?.builtAtMs;
    if (this.options.sameSecondRebuildFails && builtAt !== undefined && builtAt < job.finishesAtMs) {
      return `failure: relation "${job.table.split('.').pop()}" already exists`;
    }
    return 'done';
  }

  /**
   * A merged job is not queued itself. Planned in its twin's second (same table name), Cube finds the
   * twin's queue item once it runs and reads its table once built; planned in another second, it finds
   * neither, ever: `missing_partition` throughout (measured on Cube 1.7.43 with PostgreSQL).
   */
  private mergedStatusAt(job: FakeJob, now: number): string {
    const twin = this.jobs.get(job.dedupedInto as string);
    if (twin && twin.table === job.table && now >= twin.startsAtMs && now < twin.finishesAtMs)
      return twin.outcome.kind === 'dropped' ? twin.outcome.queueState : 'processing';
    return this.tables.has(job.table) ? 'done' : 'missing_partition';
  }
}

/**
 * The fake's data model and how a selector turns into jobs, following Cube's `RefreshScheduler`:
 * selector lists are AND-ed, values within a list OR-ed, an empty list means no filter; one job per
 * context × pre-aggregation (model order) × time zone × partition; ephemeral pre-aggregations
 * (`rollupJoin`, `rollupLambda`) produce no jobs; each time zone cuts the (UTC) build range into its
 * own local partitions (`partitions.ts`); `dateRange` keeps the partitions whose range intersects it,
 * inclusive on both ends, compared as local wall-clock strings.
 *
 * @module
 */

/** What a build of one partition does. */
export type BuildOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'failure'; readonly message: string }
  | { readonly kind: 'missing_partition' }
  /**
   * The queue item goes `orphaned` or `stalled` while it should be building (Cube passes that state
   * through raw), and is dropped without a result: the job then reads `missing_partition`.
   */
  | { readonly kind: 'dropped'; readonly queueState: 'orphaned' | 'stalled' };

/** Where a job comes from, given to per-partition callbacks. */
export interface PartitionRef {
  /** `cube.preAggregation`. */
  readonly preAggregation: string;
  /** Time zone of the job. */
  readonly timezone: string;
  /** Partition start as `YYYY-MM-DDTHH:mm:ss.SSS` (local wall time), for partitioned pre-aggregations. */
  readonly partitionStart: string | undefined;
}

/** One pre-aggregation of a fake cube. */
export interface FakePreAggregation {
  /** Name within its cube (the id is `<cube>.<name>`). */
  readonly name: string;
  /** Cube's pre-aggregation type; `rollupJoin` and `rollupLambda` are ephemeral and yield no jobs. @default 'rollup' */
  readonly type?: 'rollup' | 'originalSql' | 'rollupJoin' | 'rollupLambda';
  /** Partition size; omit for a non-partitioned pre-aggregation. */
  readonly partitionGranularity?: 'hour' | 'day' | 'month' | 'year';
  /**
   * The build range, required with `partitionGranularity`: what the model's `build_range_start` and
   * `build_range_end` SQL return, as UTC instants: `YYYY-MM-DD` (the start of the first day, the end of
   * the last) or timestamps such as `2024-06-30T23:59:59`. Each time zone cuts it into its own local
   * partitions, as Cube does.
   */
  readonly buildRange?: readonly [string, string];
  /** How long one partition takes to build, or a function per partition. @default the server's `buildDurationMs` */
  readonly buildDurationMs?: number | ((partition: PartitionRef) => number);
  /**
   * How a build ends: a failure message (every partition fails), or a function per partition
   * returning an outcome. @default done
   */
  readonly outcome?: string | ((partition: PartitionRef) => BuildOutcome);
  /**
   * Rows a built partition holds: what a query of it (`/v1/load`) returns, up to the query's limit. 0 is
   * the zero-row import Cube reports `done` (cube-js/cube #11609). @default 1
   */
  readonly rows?: number | ((partition: PartitionRef) => number);
}

/** The data model the fake serves. */
export interface FakeCubeModel {
  /** Cubes in model order. */
  readonly cubes: ReadonlyArray<{
    /** Cube name. */
    readonly name: string;
    /** Cube's `data_source`. @default 'default' */
    readonly dataSource?: string;
    /** Its pre-aggregations, in model order. */
    readonly preAggregations: readonly FakePreAggregation[];
  }>;
}

/** Partition sizes the fake supports. */
export type PartitionGranularity = NonNullable<FakePreAggregation['partitionGranularity']>;

/** A pre-aggregation resolved within the model. */
export interface ResolvedPreAggregation {
  readonly id: string;
  readonly cube: string;
  readonly dataSource: string;
  readonly definition: FakePreAggregation;
}

/** The selector fields that filter pre-aggregations. */
export interface SelectorFilter {
  readonly dataSources?: readonly string[] | undefined;
  readonly cubes?: readonly string[] | undefined;
  readonly preAggregations?: readonly string[] | undefined;
}

/** Every pre-aggregation of the model in model order. */
export function listPreAggregations(model: FakeCubeModel): ResolvedPreAggregation[] {
  return model.cubes.flatMap((cube) =>
    cube.preAggregations.map((definition) => ({
      id: `${cube.name}.${definition.name}`,
      cube: cube.name,
      dataSource: cube.dataSource ?? 'default',
      definition,
    })),
  );
}

const inList = (list: readonly string[] | undefined, value: string) =>
  !list || list.length === 0 || list.includes(value);

/** The pre-aggregations a selector matches (AND across lists, OR within one, empty = no filter). */
export function matchPreAggregations(model: FakeCubeModel, filter: SelectorFilter): ResolvedPreAggregation[] {
  return listPreAggregations(model).filter(
    (p) =>
      inList(filter.dataSources, p.dataSource) && inList(filter.cubes, p.cube) && inList(filter.preAggregations, p.id),
  );
}

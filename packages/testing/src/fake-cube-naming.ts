/**
 * How the fake Cube names a partition's tables, as Cube does: a logical name (schema, cube,
 * pre-aggregation, partition suffix), then content and structure version hashes, then the build time
 * in whole seconds (base 32), which is why two builds of one partition planned in the same second
 * collide. The name without its time suffix is what Cube's queue keys an in-flight build by. A job's
 * token is the md5 of its record, as Cube's `RefreshScheduler.getPreAggJobToken` makes it.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';

/** Cube's version suffix of a table name: the build time in whole seconds, base 32. */
function base32Seconds(ms: number): string {
  return Math.floor(ms / 1000).toString(32);
}

/** An 8-character version hash, in the alphabet of Cube's table suffixes. */
function version(seed: string): string {
  return BigInt(`0x${createHash('md5').update(seed).digest('hex').slice(0, 10)}`)
    .toString(32)
    .padStart(8, 'a')
    .slice(0, 8);
}

/** What a partition's table names derive from. */
export interface PartitionTableFacts {
  readonly schema: string;
  readonly cube: string;
  /** The pre-aggregation's name within its cube. */
  readonly name: string;
  /** `cube.preAggregation`. */
  readonly preAggregationId: string;
  /** Partition suffix of the logical name (`20240101`), for partitioned pre-aggregations. */
  readonly partitionSuffix: string | undefined;
  readonly partitionStart: string | undefined;
  readonly timezone: string;
  readonly securityContext: unknown;
  /** When the build is planned (epoch ms). */
  readonly plannedAtMs: number;
}

/** A partition's table names. */
export interface PartitionTableNames {
  /** Without version suffixes. */
  readonly logicalTable: string;
  /** The versioned physical table a build of this second creates. */
  readonly table: string;
  /** The physical name without its time suffix: the key of an in-flight build in Cube's queue. */
  readonly buildKey: string;
}

/** Names the tables of one partition's build. */
export function partitionTableNames(facts: PartitionTableFacts): PartitionTableNames {
  const logicalTable = `${facts.schema}.${facts.cube}_${facts.name}${facts.partitionSuffix ?? ''}`.toLowerCase();
  const structure = version(`${facts.preAggregationId}|structure`);
  const content = version(
    `${facts.preAggregationId}|${facts.timezone}|${facts.partitionStart ?? ''}|${JSON.stringify(facts.securityContext)}|content`,
  );
  const buildKey = `${logicalTable}_${content}_${structure}`;
  return { logicalTable, table: `${buildKey}_${base32Seconds(facts.plannedAtMs)}`, buildKey };
}

/** A job token: the md5 hex of the job's record (with a nonce, so equal records get distinct tokens). */
export function jobToken(record: { requestId: string; table: string; timezone: string; n: number }): string {
  return createHash('md5')
    .update(JSON.stringify({ ...record, nonce: randomUUID() }))
    .digest('hex');
}

/**
 * Partitions as Cube cuts them: the build range is a pair of instants (UTC, as `build_range_start` /
 * `build_range_end` SQL returns them), converted into each job's time zone before the range is cut into
 * partitions of local calendar months, days, hours or years. A New York job of a range starting
 * 2024-01-01 00:00 UTC therefore starts with December 2023 (2023-12-31 19:00 local), and its tables are
 * named after the local partition start (`…20231201…`). Measured on Cube 1.7.43 (see the conformance
 * scenarios with non-UTC zones).
 *
 * @module
 */
import type { FakePreAggregation, PartitionGranularity } from './model.js';

/** One partition: its local wall-clock range and table-name suffix. */
export interface Partition {
  readonly start: string;
  readonly end: string;
  readonly suffix: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A model's build-range bound as an instant: `YYYY-MM-DD` (start of day, or end of day for `end`) or a timestamp in UTC. */
export function buildRangeInstant(bound: string, end: boolean): number {
  const value = /^\d{4}-\d{2}-\d{2}$/.test(bound)
    ? `${bound}T${end ? '23:59:59.999' : '00:00:00.000'}Z`
    : `${bound.replace(' ', 'T')}${/(Z|[+-]\d{2}:?\d{2})$/.test(bound) ? '' : 'Z'}`;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`build range bound "${bound}" is neither YYYY-MM-DD nor a timestamp`);
  return ms;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The wall-clock fields of an instant in a time zone, packed into a UTC timestamp (so calendar
 * arithmetic on them is plain `Date.UTC` arithmetic, with no DST gaps).
 */
export function localFields(instantMs: number, timezone: string): number {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, format);
  }
  const parts = Object.fromEntries(
    format.formatToParts(new Date(instantMs)).map((part) => [part.type, Number(part.value)]),
  );
  const seconds = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return seconds + (((instantMs % 1000) + 1000) % 1000);
}

/** The start of the local partition holding `local` (packed local fields). */
function floorTo(local: number, granularity: PartitionGranularity): number {
  const d = new Date(local);
  const [y, m, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
  switch (granularity) {
    case 'hour':
      return Date.UTC(y, m, day, h);
    case 'day':
      return Date.UTC(y, m, day);
    case 'month':
      return Date.UTC(y, m, 1);
    case 'year':
      return Date.UTC(y, 0, 1);
  }
}

/** The start of the next local partition. */
function next(start: number, granularity: PartitionGranularity): number {
  const d = new Date(start);
  const [y, m, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
  switch (granularity) {
    case 'hour':
      return Date.UTC(y, m, day, h + 1);
    case 'day':
      return Date.UTC(y, m, day + 1);
    case 'month':
      return Date.UTC(y, m + 1, 1);
    case 'year':
      return Date.UTC(y + 1, 0, 1);
  }
}

const wall = (local: number) => new Date(local).toISOString().slice(0, 23);

/** The partitions of a pre-aggregation in a time zone, or one unnamed partition when it is not partitioned. */
export function partitionsOf(definition: FakePreAggregation, timezone = 'UTC'): Partition[] | [undefined] {
  if (!definition.partitionGranularity) return [undefined];
  if (!definition.buildRange) throw new Error(`pre-aggregation ${definition.name} needs a buildRange`);
  const granularity = definition.partitionGranularity;
  const first = localFields(buildRangeInstant(definition.buildRange[0], false), timezone);
  const last = localFields(buildRangeInstant(definition.buildRange[1], true), timezone);
  const partitions: Partition[] = [];
  for (let start = floorTo(first, granularity); start <= last; start = next(start, granularity)) {
    const d = new Date(start);
    const day = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
    partitions.push({
      start: wall(start),
      end: wall(next(start, granularity) - 1),
      suffix: granularity === 'hour' ? `${day}${pad(d.getUTCHours())}` : day,
    });
  }
  return partitions;
}

/** True when the inclusive ranges intersect (Cube's `intersectDateRanges` on local wall-clock strings). */
export function intersects(partition: Partition, range: readonly [string, string]): boolean {
  return partition.start <= range[1] && range[0] <= partition.end;
}

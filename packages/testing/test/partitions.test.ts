/**
 * Partitions per time zone, as Cube 1.7.43 cuts them (measured on the sample Cube: see the
 * conformance scenarios with non-UTC zones).
 */
import { describe, expect, test } from 'vitest';
import { buildRangeInstant, intersects, localFields, partitionsOf } from '../src/partitions.js';

const monthly = { name: 'by_month', partitionGranularity: 'month', buildRange: ['2024-01-01', '2024-03-31'] } as const;
const starts = (timezone: string, definition: Parameters<typeof partitionsOf>[0] = monthly) =>
  (partitionsOf(definition, timezone) as Array<{ start: string; suffix: string }>).map((p) => p.suffix);

describe('partitionsOf', () => {
  test('UTC: the range itself', () => {
    expect(starts('UTC')).toEqual(['20240101', '20240201', '20240301']);
  });

  test('west of UTC: the range starts the evening before, in the previous month', () => {
    expect(starts('America/New_York')).toEqual(['20231201', '20240101', '20240201', '20240301']);
  });

  test('east of UTC (Asia/Kolkata, +05:30): the end of the range spills into the next month', () => {
    expect(starts('Asia/Kolkata')).toEqual(['20240101', '20240201', '20240301', '20240401']);
  });

  test('DST: the offset of each bound is the one in force at that instant', () => {
    // 2024-07-01 00:00 UTC is 2024-06-30 20:00 in New York (EDT, −4), 2024-01-01 00:00 UTC is 19:00 (EST, −5).
    const summer = { ...monthly, buildRange: ['2024-07-01', '2024-07-31'] } as const;
    expect(starts('America/New_York', summer)).toEqual(['20240601', '20240701']);
    // 2024-03-10 in New York is 23 hours long (EST −5 until 02:00, then EDT −4): 05:00Z to 03:59:59Z is that one day,
    // and a second later (04:00Z) is already the next one.
    const springForward = (end: string) =>
      (
        partitionsOf(
          { name: 'd', partitionGranularity: 'day', buildRange: ['2024-03-10T05:00:00', end] },
          'America/New_York',
        ) as Array<{ start: string; end: string }>
      ).map((d) => d.start.slice(0, 10));
    expect(springForward('2024-03-11T03:59:59')).toEqual(['2024-03-10']);
    expect(springForward('2024-03-11T04:00:00')).toEqual(['2024-03-10', '2024-03-11']);
  });

  test('build ranges as timestamps, the way Cube models return them', () => {
    const sample = { ...monthly, buildRange: ['2024-01-01 00:00:00', '2024-06-30 23:59:59'] } as const;
    expect(starts('Pacific/Auckland', sample)).toEqual([
      '20240101',
      '20240201',
      '20240301',
      '20240401',
      '20240501',
      '20240601',
      '20240701',
    ]);
    expect(buildRangeInstant('2024-06-30', true)).toBe(Date.parse('2024-06-30T23:59:59.999Z'));
    expect(() => buildRangeInstant('June', false)).toThrow(/neither YYYY-MM-DD nor a timestamp/);
  });

  test('a dateRange is compared with local partitions', () => {
    const [december] = partitionsOf(monthly, 'America/New_York') as [{ start: string; end: string; suffix: string }];
    expect(intersects(december, ['2023-12-01T00:00:00.000', '2023-12-31T23:59:59.999'])).toBe(true);
    expect(new Date(localFields(Date.parse('2024-01-01T00:00:00Z'), 'Asia/Kolkata')).toISOString()).toBe(
      '2024-01-01T05:30:00.000Z',
    );
  });
});

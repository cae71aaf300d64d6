/**
 * Conformance scenarios with non-UTC time zones and `dateRange`s at the edges of the build range.
 *
 * @module
 */
import { plain, postAndWait, ctx, type ConformanceScenario } from './conformance.js';

/**
 * Scenarios with non-UTC time zones and `dateRange`s at the edges of the build range: each zone cuts the
 * (UTC) build range into its own local partitions. Run them against a real Cube and the fake with the
 * same model (`apps/sample-cube` does, live, and records the answers). They use the target's
 * `model.partitioned`, whose build range must be whole UTC months.
 */
export const timeZoneScenarios: readonly ConformanceScenario[] = [
  {
    name: 'two contexts × UTC and America/New_York, every partition',
    run: (t) =>
      postAndWait(
        t,
        {
          contexts: [{ securityContext: { tenant: 'a' } }, { securityContext: { tenant: 'b' } }],
          timezones: ['UTC', 'America/New_York'],
          preAggregations: [t.model.partitioned],
        },
        { partitions: true },
      ),
  },
  {
    name: 'America/New_York and Asia/Kolkata, every partition',
    run: (t) =>
      postAndWait(
        t,
        { timezones: ['America/New_York', 'Asia/Kolkata'], preAggregations: [t.model.partitioned] },
        { partitions: true },
      ),
  },
  {
    name: 'Pacific/Auckland, every partition',
    run: (t) =>
      postAndWait(t, { timezones: ['Pacific/Auckland'], preAggregations: [t.model.partitioned] }, { partitions: true }),
  },
  {
    name: 'America/New_York, dateRange December 2023 (before the UTC range)',
    run: (t) =>
      postAndWait(
        t,
        {
          timezones: ['America/New_York'],
          preAggregations: [t.model.partitioned],
          dateRange: ['2023-12-01', '2023-12-31'],
        },
        { partitions: true },
      ),
  },
  {
    name: 'UTC, dateRange December 2023 (before the range)',
    run: (t) =>
      plain(t, {
        action: 'post',
        selector: { ...ctx, preAggregations: [t.model.partitioned], dateRange: ['2023-12-01', '2023-12-31'] },
      }),
  },
];

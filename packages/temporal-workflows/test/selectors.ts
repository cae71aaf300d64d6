/** Selectors and fake Cube models the tests share. */
import type { FakeCubeModel, FakePreAggregation } from '@cube-jobs/testing';

/** Two selectors that differ only in key and list order, so they name the same build. */
export const equalSelectors = {
  a: {
    contexts: [{ securityContext: { tenant: 'x', region: 'eu' } }],
    timezones: ['UTC'],
    cubes: ['orders', 'customers'],
  },
  b: {
    cubes: ['customers', 'orders'],
    timezones: ['UTC'],
    contexts: [{ securityContext: { region: 'eu', tenant: 'x' } }],
  },
};

/**
 * A model of one cube `orders` with a monthly `by_month` over `buildRange`, whose builds end as `outcome`
 * says (or as `outcome` and `rows` of the options say), then any `others` of the same cube.
 */
export function ordersByMonth(
  buildRange: readonly [string, string],
  options: NonNullable<FakePreAggregation['outcome']> | Pick<FakePreAggregation, 'outcome' | 'rows'>,
  others: readonly FakePreAggregation[] = [],
): FakeCubeModel {
  const build = typeof options === 'object' ? options : { outcome: options };
  return {
    cubes: [
      {
        name: 'orders',
        preAggregations: [{ name: 'by_month', partitionGranularity: 'month', buildRange, ...build }, ...others],
      },
    ],
  };
}

/** `rows` for {@link ordersByMonth}: February's n-th build imports `februaryRows[n]` rows (the last one after), other months `rows`. */
export function februaryRows(februaryRows: readonly number[], rows = 30): NonNullable<FakePreAggregation['rows']> {
  let builds = 0;
  return (partition) =>
    partition.partitionStart?.startsWith('2024-02')
      ? (februaryRows[Math.min(builds++, februaryRows.length - 1)] ?? 0)
      : rows;
}

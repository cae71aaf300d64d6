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

/** A model of one cube `orders` with a monthly `by_month` over `buildRange`, whose builds end as `outcome` says. */
export function ordersByMonth(
  buildRange: readonly [string, string],
  outcome: NonNullable<FakePreAggregation['outcome']>,
): FakeCubeModel {
  return {
    cubes: [
      { name: 'orders', preAggregations: [{ name: 'by_month', partitionGranularity: 'month', buildRange, outcome }] },
    ],
  };
}

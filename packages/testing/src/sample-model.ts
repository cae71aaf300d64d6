/**
 * The model of the project's sample Cube deployment, as a fake model: the same cubes, pre-aggregation
 * ids and partitions, so tests against the fake and against the real sample agree.
 *
 * @module
 */
import type { FakeCubeModel } from './model.js';

/** Failure message of the sample's opt-in broken pre-aggregation (the table it reads does not exist). */
export const BROKEN_PRE_AGGREGATION_MESSAGE =
  'Catalog Error: Table with name table_that_does_not_exist does not exist!';

/**
 * `orders.by_month` (monthly partitions, January to June 2024), `orders.by_status` (not partitioned),
 * `customers.by_region` (not partitioned) and `broken.broken_rollup` (monthly, January and February
 * 2024, every build fails; opt-in in the real sample with `SAMPLE_CUBE_WITH_BROKEN=true`).
 */
export function sampleModel(): FakeCubeModel {
  return {
    cubes: [
      {
        name: 'orders',
        preAggregations: [
          { name: 'by_month', partitionGranularity: 'month', buildRange: ['2024-01-01', '2024-06-30'] },
          { name: 'by_status' },
        ],
      },
      { name: 'customers', preAggregations: [{ name: 'by_region' }] },
      {
        name: 'broken',
        preAggregations: [
          {
            name: 'broken_rollup',
            partitionGranularity: 'month',
            buildRange: ['2024-01-01', '2024-02-29'],
            outcome: BROKEN_PRE_AGGREGATION_MESSAGE,
          },
        ],
      },
    ],
  };
}

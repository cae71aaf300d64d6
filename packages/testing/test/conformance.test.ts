/**
 * The conformance scenarios against the fake, compared with what a real Cube 1.7.43 answered for the
 * same requests on the same model (recorded in fixtures/cube-1.7.43-live.json from the live
 * transcripts). The sample deployment's end-to-end suite runs the same scenarios against a live Cube.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  conformanceScenarios,
  sampleModel,
  startFakeCube,
  timeZoneScenarios,
  type ConformanceTarget,
  type FakeCube,
} from '../src/index.js';

const recorded = JSON.parse(
  readFileSync(new URL('./fixtures/cube-1.7.43-live.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

let cube: FakeCube;
let target: ConformanceTarget;
beforeAll(async () => {
  cube = await startFakeCube({
    buildDurationMs: 20,
    model: {
      cubes: [
        {
          name: 'orders',
          preAggregations: [
            { name: 'by_status' },
            { name: 'monthly_by_status', partitionGranularity: 'month', buildRange: ['2024-01-01', '2024-03-31'] },
          ],
        },
        {
          name: 'broken',
          preAggregations: [
            { name: 'broken_rollup', outcome: 'relation "public.table_that_does_not_exist" does not exist' },
          ],
        },
      ],
    },
  });
  target = {
    url: cube.url,
    signToken: (claims) => cube.signToken(claims),
    model: {
      partitioned: 'orders.monthly_by_status',
      partitionCount: 3,
      oneMonth: ['2024-02-01T00:00:00.000', '2024-02-29T23:59:59.999'],
      cube: 'orders',
      cubeJobCount: 4,
      defaultDataSourceJobCount: 5,
      broken: 'broken.broken_rollup',
    },
  };
});
afterAll(() => cube.stop());

describe('the fake answers as Cube 1.7.43 did', () => {
  test('every scenario has a recorded answer', () => {
    expect(conformanceScenarios.map((s) => s.name).sort()).toEqual(
      Object.keys(recorded)
        .filter((k) => !k.startsWith('_'))
        .sort(),
    );
  });

  test.each(conformanceScenarios.map((s) => [s.name, s] as const))('%s', async (name, scenario) => {
    expect(await scenario.run(target)).toEqual(recorded[name]);
  });
});

/** Recorded by `apps/sample-cube`'s live suite (`RECORD_CONFORMANCE=1`) from the real sample Cube. */
const recordedTimeZones = JSON.parse(
  readFileSync(new URL('./fixtures/cube-1.7.43-time-zones.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

describe('time zones: the fake cuts local partitions as Cube 1.7.43 did', () => {
  let sample: FakeCube;
  let sampleTarget: ConformanceTarget;
  beforeAll(async () => {
    sample = await startFakeCube({ buildDurationMs: 20, model: sampleModel() });
    sampleTarget = {
      url: sample.url,
      signToken: (claims) => sample.signToken(claims),
      model: { ...target.model, partitioned: 'orders.by_month' },
    };
  });
  afterAll(() => sample.stop());

  test('every time-zone scenario has a recorded answer', () => {
    expect(timeZoneScenarios.map((s) => s.name).sort()).toEqual(
      Object.keys(recordedTimeZones)
        .filter((k) => !k.startsWith('_'))
        .sort(),
    );
  });

  test.each(timeZoneScenarios.map((s) => [s.name, s] as const))('%s', async (name, scenario) => {
    expect(await scenario.run(sampleTarget)).toEqual(recordedTimeZones[name]);
  });
});

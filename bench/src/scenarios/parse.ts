/**
 * Scenario 5: validating and parsing a 10,000-status `get` answer in the core client (no network).
 *
 * @module
 */
import { createCubeJobsClient, type CubeJobsClientOptions } from '@cube-jobs/core';
import { percentile } from '../measure.js';
import type { ParseResult } from '../results.js';

/** Statuses in the parsed answer. */
const STATUSES = 10_000;

/** Median and p95 of 12 timed parses (after 3 warm-ups). */
export async function parseBenchmark(): Promise<ParseResult> {
  const tokens = Array.from({ length: STATUSES }, (_, i) => i.toString(16).padStart(32, '0'));
  const body = JSON.stringify(
    tokens.map((token, i) => ({
      token,
      table: `prod_pre_aggregations.orders_by_day2024${String(1 + (i % 12)).padStart(2, '0')}01_abcdefgh_ijklmnop_1lgmnet`,
      status: i % 3 === 0 ? 'processing' : 'done',
      selector: {
        cubes: ['orders'],
        preAggregations: ['orders.by_day'],
        contexts: [{ securityContext: {} }],
        timezones: ['UTC'],
        dataSources: ['default'],
      },
    })),
  );
  const fetch: NonNullable<NonNullable<CubeJobsClientOptions['advanced']>['fetch']> = () =>
    Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }));
  const client = createCubeJobsClient({
    apiUrl: 'http://cube.invalid',
    token: 'bench-token-123',
    advanced: { fetch, statusBatchSize: STATUSES },
  });
  const times: number[] = [];
  for (let i = 0; i < 15; i += 1) {
    const t0 = performance.now();
    const statuses = await client.getJobStatuses(tokens);
    times.push(performance.now() - t0);
    if (statuses.length !== STATUSES)
      throw new Error(`parse benchmark: ${statuses.length} statuses, expected ${STATUSES}`);
  }
  return {
    statuses: STATUSES,
    bodyBytes: body.length,
    medianMs: percentile(times.slice(3), 50),
    p95Ms: percentile(times.slice(3), 95),
  };
}

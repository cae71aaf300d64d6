/**
 * Asks Cube how it would answer a query (`GET {apiUrl}/v1/sql`) and reports which pre-aggregation
 * serves it: the proof that a build made queries fast.
 *
 * @module
 */
import { createJwtTokenProvider } from '@cube-jobs/core';
import type { CubeAccess } from './worker.js';

/** What `/v1/sql` said. */
export interface SqlProof {
  /** The pre-aggregation serving the query, if any. */
  readonly preAggregationId: string | undefined;
  /** The table Cube reads. */
  readonly tableName: string | undefined;
  /** The SQL Cube would run. */
  readonly sql: string | undefined;
}

/** The demo's query: orders by status for February 2024, by month. */
export const PROOF_QUERY = {
  measures: ['orders.count', 'orders.total_amount'],
  dimensions: ['orders.status'],
  timeDimensions: [{ dimension: 'orders.created_at', granularity: 'month', dateRange: ['2024-02-01', '2024-02-29'] }],
};

/** Calls `/v1/sql` for {@link PROOF_QUERY}. */
export async function sqlProof(cube: CubeAccess): Promise<SqlProof> {
  const token = cube.apiSecret
    ? await createJwtTokenProvider({ apiSecret: cube.apiSecret, tokenTtlMs: 60_000 })()
    : (cube.token as string);
  const url = `${cube.apiUrl.replace(/\/+$/, '')}/v1/sql?query=${encodeURIComponent(JSON.stringify(PROOF_QUERY))}`;
  const response = await fetch(url, { headers: { authorization: token } });
  const body = (await response.json()) as {
    error?: string;
    sql?: { sql?: [string, unknown[]]; preAggregations?: Array<{ preAggregationId?: string; tableName?: string }> };
  };
  if (!response.ok) throw new Error(`Cube answered ${response.status} to /v1/sql: ${body.error ?? 'no message'}`);
  const used = body.sql?.preAggregations?.[0];
  return { preAggregationId: used?.preAggregationId, tableName: used?.tableName, sql: body.sql?.sql?.[0] };
}

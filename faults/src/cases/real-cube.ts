/**
 * Fault case: Cube's quirks on the real sample Cube (Cube 1.7.43), on DuckDB and on a real PostgreSQL
 * the suite starts itself.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSampleCube, startPostgres, type SpawnedSampleCube } from '@cube-jobs/sample-cube';
import type { BuildPreAggregationsResult } from '@cube-jobs/temporal-workflows/workflow-safe';
import type { CaseResult, FaultSuite } from '../context.js';
import { fastWait, selector } from '../context.js';
import { sleep } from '../checks.js';

/** PostgreSQL's answer when two partitions' `CREATE SCHEMA IF NOT EXISTS` race on a fresh database. */
const SCHEMA_RACE = /duplicate key value violates unique constraint "pg_namespace_nspname_index"/g;
/** Cube's log when a partition's versioned table (named after its build second) was already created. */
const COLLISION = /already exists/;
/** PostgreSQL's log for the same collision. */
const TABLE_EXISTS = /relation "[^"]+" already exists/g;
/** Most rounds the PostgreSQL case runs while waiting for both quirks to have happened at least once. */
const MAX_POSTGRES_ROUNDS = 4;

/** What one round of two same-second builds ended with. */
interface RoundResult {
  readonly builds: number;
  readonly done: BuildPreAggregationsResult[];
  readonly duplicatePosts: number;
  readonly sharedTables: number;
}

/**
 * Two builds of the very same partitions posted right after one second boundary, on `cube`. Completed =
 * the build succeeded with every job `done`; a POST beyond the first is only ever the retrigger of a job
 * Cube reported as collided (`already exists`), or the trigger's retry after Cube refused the post.
 */
async function sameSecondBuilds(suite: FaultSuite, cube: SpawnedSampleCube, taskQueue: string): Promise<RoundResult> {
  const { worker, connection } = await suite.inProcessWorker(cube, taskQueue, { timeoutMs: 30_000 });
  const stamp = Date.now();
  const ids = [`real-a-${stamp}`, `real-b-${stamp}`];
  try {
    const results = await worker.runUntil(async () => {
      await sleep(1000 - (Date.now() % 1000)); // both posts right after a second boundary
      const handles = await Promise.all(ids.map((id) => suite.start(taskQueue, id, { selector, wait: fastWait })));
      const outcomes = await suite.settle(handles, 180_000);
      return Promise.all(handles.map(async (h, i) => (outcomes[i] === 'ok' ? await h.result() : undefined)));
    });
    const done = results.filter(
      (r): r is BuildPreAggregationsResult => r?.outcome === 'succeeded' && r.jobs.every((j) => j.state === 'done'),
    );
    // Planned in one second, Cube merges the second build into the first: both report the same tables.
    const [tablesA, tablesB] = done.map((r) => new Set(r.jobs.map((j) => j.table)));
    return {
      builds: ids.length,
      done,
      // Each extra POST narrows to one collided job; more POSTs than rebuilt jobs would be duplicates.
      duplicatePosts: done.reduce((n, r) => n + Math.max(0, r.triggers - 1 - r.retriggeredJobs), 0),
      sharedTables: [...(tablesA ?? [])].filter((table) => tablesB?.has(table)).length,
    };
  } finally {
    await connection.close();
  }
}

/**
 * 5b. The same quirks on the real sample Cube (DuckDB): a fresh database (no pre-aggregation schema
 * yet), then two builds of the very same partitions posted within one second.
 */
export async function realCubeQuirks(suite: FaultSuite): Promise<CaseResult> {
  const cubeDir = mkdtempSync(join(tmpdir(), 'cube-jobs-faults-cube-'));
  const cubeLog: string[] = [];
  const cube = await spawnSampleCube({ dataDir: cubeDir, onLog: (line) => cubeLog.push(line) });
  suite.produced.secrets.add(cube.apiSecret);
  try {
    const round = await sameSecondBuilds(suite, cube, 'faults-real-cube');
    const rebuilt = round.done.reduce((n, r) => n + r.retriggeredJobs, 0);
    const collisions = cubeLog.filter((line) => COLLISION.test(line)).length;
    return {
      name: 'real sample Cube (DuckDB): fresh database, same-second builds',
      runs: round.builds,
      completed: round.done.length,
      duplicatePosts: round.duplicatePosts,
      note: `Cube ${cube.mode} mode; ${round.sharedTables} table(s) shared (merged builds), ${rebuilt} job(s) rebuilt, ${collisions} "already exists" in Cube's log; POSTs per build ${round.done.map((r) => r.triggers).join('/')}`,
      ok: true,
    };
  } finally {
    await cube.stop();
    rmSync(cubeDir, { recursive: true, force: true });
  }
}

/**
 * 5c. Both PostgreSQL quirks on real Cube. Each round starts a fresh PostgreSQL (no pre-aggregation
 * schema: the first post's partitions race to create it, and Cube answers 400 with PostgreSQL's
 * duplicate-key error, which the client treats as transient) and a fresh Cube (which remembers the
 * schemas it created), then posts two builds of the same partitions within one second (so a partition's
 * versioned table, named after its build second, can already exist). Rounds repeat, up to
 * {@link MAX_POSTGRES_ROUNDS}, until PostgreSQL has logged both quirks; every build of every round must
 * succeed with no duplicate POST.
 */
export async function realCubePostgresQuirks(suite: FaultSuite): Promise<CaseResult> {
  const rounds: RoundResult[] = [];
  let schemaRaces = 0;
  let collisions = 0;
  let tablesBuilt = 0;
  const errors = new Map<string, number>();
  while (rounds.length < MAX_POSTGRES_ROUNDS && (rounds.length === 0 || schemaRaces === 0 || collisions === 0)) {
    const postgres = await startPostgres();
    const cubeDir = mkdtempSync(join(tmpdir(), 'cube-jobs-faults-cube-pg-'));
    let cube: SpawnedSampleCube | undefined;
    try {
      cube = await spawnSampleCube({ dataDir: cubeDir, env: postgres.cubeEnv });
      suite.produced.secrets.add(cube.apiSecret);
      rounds.push(await sameSecondBuilds(suite, cube, `faults-real-cube-pg-${rounds.length + 1}`));
      schemaRaces += postgres.log().match(SCHEMA_RACE)?.length ?? 0;
      collisions += postgres.log().match(TABLE_EXISTS)?.length ?? 0;
      for (const [, message] of postgres.log().matchAll(/ERROR:\s+(.*)/g)) {
        const kind = (message ?? '').replace(/"[^"]*"/g, '"…"');
        errors.set(kind, (errors.get(kind) ?? 0) + 1);
      }
      const [tables] = await postgres.query<{ count: string }>(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'prod_pre_aggregations'",
      );
      tablesBuilt += Number(tables?.count ?? 0);
    } finally {
      await cube?.stop();
      await postgres.stop();
      rmSync(cubeDir, { recursive: true, force: true });
    }
  }
  const done = rounds.flatMap((round) => round.done);
  const rebuilt = done.reduce((n, r) => n + r.retriggeredJobs, 0);
  return {
    name: 'real sample Cube (PostgreSQL): schema race, same-second builds',
    runs: rounds.reduce((n, round) => n + round.builds, 0),
    completed: done.length,
    duplicatePosts: rounds.reduce((n, round) => n + round.duplicatePosts, 0),
    note:
      `${rounds.length} round(s), each on a fresh database; PostgreSQL logged ${schemaRaces} schema-creation race(s) and ${collisions} "already exists"; ` +
      `${rebuilt} job(s) rebuilt; POSTs per build ${done.map((r) => r.triggers).join('/')}; ${tablesBuilt} table(s) built; ` +
      `PostgreSQL errors: ${[...errors].map(([kind, count]) => `${count}× ${kind}`).join('; ') || 'none'}`,
    ok: true,
  };
}

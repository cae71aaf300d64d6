/**
 * `npm run test:faults`: the fault suite. Against a real Temporal dev server (with a database file, so
 * it can be restarted) and the fake Cube, it kills workers, restarts Cube and Temporal, injects
 * transient faults and Cube's known quirks, uses JWTs that expire mid-build, feeds bad input, and
 * scans everything produced for secrets. Prints a table (case, runs, completed, duplicate POSTs,
 * leaks) and exits non-zero on any lost build, duplicate POST, hang or leak.
 *
 * One file per case under `cases/`; what they share is in `context.ts` (the suite) and `checks.ts` (bounded
 * waits, counts from the fake Cube's log).
 * `--only=<key>,<key>` runs some of the cases (and the secret scan). `--temporal=cluster` runs them on the
 * production-shaped cluster (Temporal Server on PostgreSQL, several history hosts; `npm run test:cluster`
 * runs the many-workers and restart cases there) instead of the dev server.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { badInput } from './cases/bad-input.js';
import { realCubeBusyQueue } from './cases/busy-queue.js';
import { cubeQuirks } from './cases/cube-quirks.js';
import { cubeRestart } from './cases/cube-restart.js';
import { manyWorkers } from './cases/many-workers.js';
import { realCubePostgresQuirks, realCubeQuirks } from './cases/real-cube.js';
import { realCubeSecondSource } from './cases/second-source.js';
import { secretScan } from './cases/secret-scan.js';
import { shortLivedJwt } from './cases/short-lived-jwt.js';
import { temporalRestart } from './cases/temporal-restart.js';
import { transientFaults } from './cases/transient-faults.js';
import { workerKills } from './cases/worker-kills.js';
import { FaultSuite, say, type CaseResult } from './context.js';

/** The cases in running order, by the key `--only` names them with. */
const CASES: ReadonlyArray<readonly [string, (suite: FaultSuite) => Promise<CaseResult | CaseResult[]>]> = [
  ['kill', workerKills],
  ['many-workers', manyWorkers],
  ['cube-restart', cubeRestart],
  ['transient', transientFaults],
  ['temporal-restart', temporalRestart],
  ['quirks', cubeQuirks],
  ['real-cube', realCubeQuirks],
  ['real-cube-postgres', realCubePostgresQuirks],
  ['real-cube-busy-queue', realCubeBusyQueue],
  ['real-cube-second-source', realCubeSecondSource],
  ['jwt', shortLivedJwt],
  ['bad-input', badInput],
];

/** Runs one case; a case that throws is a failed row naming the error, and the suite goes on. */
async function runCase(
  key: string,
  run: (suite: FaultSuite) => Promise<CaseResult | CaseResult[]>,
  suite: FaultSuite,
): Promise<CaseResult[]> {
  try {
    return [await run(suite)].flat();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    suite.produced.errors.push(message);
    return [{ name: `${key} (threw)`, runs: 1, completed: 0, duplicatePosts: 0, note: message, ok: false }];
  }
}

/** Sends every log line of the in-process workers to `logs`, for the secret scan. */
function captureLogs(logs: string[]): void {
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const meta = JSON.stringify(entry.meta ?? {}, (_key, value: unknown) =>
        value instanceof Error ? { message: value.message, stack: value.stack } : value,
      );
      logs.push(`${entry.level} ${entry.message} ${meta}`);
    }),
  });
}

/** Whether a row passed: nothing it must never see, every run completed, no duplicate POST. */
const passed = (result: CaseResult): boolean =>
  result.ok && result.completed === result.runs && result.duplicatePosts === 0;

/** Prints the table and the closing `N passed, N failed` line; returns the number of failed rows. */
function report(results: readonly CaseResult[], elapsedMs: number): number {
  say();
  say(
    'case                                                              runs  completed  duplicate POSTs  leaks  result',
  );
  for (const r of results) {
    const leak = r.name.startsWith('secret scan') && !r.ok ? 1 : 0;
    const cells = [
      r.name.slice(0, 64).padEnd(64),
      String(r.runs).padStart(4),
      String(r.completed).padStart(9),
      String(r.duplicatePosts).padStart(15),
      String(leak).padStart(5),
      passed(r) ? 'ok' : 'FAILED',
    ];
    say(`${cells.join('  ')}   ${r.note}`);
  }
  const failures = results.filter((r) => !passed(r)).length;
  say();
  say(`(${(elapsedMs / 1000).toFixed(0)} s)`);
  say(`${results.length - failures} passed, ${failures} failed`);
  return failures;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, temporal: { type: 'string', default: 'dev-server' } },
  });
  const kind = values.temporal;
  if (kind !== 'dev-server' && kind !== 'cluster') {
    say(`--temporal must be dev-server or cluster, got ${kind}`);
    return 2;
  }
  const only = values.only?.split(',');
  const unknown = only?.filter((key) => !CASES.some(([name]) => name === key)) ?? [];
  if (unknown.length > 0) {
    say(`Unknown case(s) ${unknown.join(', ')}; the cases are ${CASES.map(([name]) => name).join(', ')}`);
    return 2;
  }
  const started = Date.now();
  const logs: string[] = [];
  captureLogs(logs);
  const dataDir = mkdtempSync(join(tmpdir(), 'cube-jobs-faults-'));
  const suite = await FaultSuite.start(dataDir, logs, kind);
  const results: CaseResult[] = [];
  try {
    say(
      kind === 'cluster'
        ? 'cube-jobs fault suite: Temporal cluster (PostgreSQL, two history hosts), fake Cube over loopback'
        : 'cube-jobs fault suite: real Temporal dev server, fake Cube over loopback',
    );
    for (const [key, run] of CASES) {
      if (only && !only.includes(key)) continue;
      const errorsBefore = suite.produced.errors.length;
      const outcome = await runCase(key, run, suite);
      results.push(...outcome);
      // A failed case shows the workflow errors it produced (already free of secrets, as the scan checks).
      if (!outcome.every(passed)) {
        for (const error of suite.produced.errors.slice(errorsBefore)) say(`    ${key}: ${error.split('\n')[0]}`);
      }
      if (key === 'temporal-restart') await suite.reconnect();
    }
    const scan = await secretScan(suite);
    results.push({
      name: `secret scan (${scan.scanned})`,
      runs: 1,
      completed: 1,
      duplicatePosts: 0,
      note: `${scan.leaks} leak(s)`,
      ok: scan.leaks === 0,
    });
  } finally {
    await suite.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return report(results, Date.now() - started) === 0 ? 0 : 1;
}

process.exit(await main());

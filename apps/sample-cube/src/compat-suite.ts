/**
 * `npm run test:compat`: the conformance scenarios against the Cube releases users run, each on a fresh
 * PostgreSQL started by the suite, beside the fake (which answers as Cube 1.7.43 does). Every release is
 * installed once (`npm install --ignore-scripts`) into `$CUBE_JOBS_CACHE_DIR/cube-<version>` (default
 * `~/.cache/cube-jobs`), outside the clone. Writes the compatibility table between the markers of this
 * app's README, with the date and the versions, and exits non-zero when a release could not be run or
 * answered a scenario in a way the table does not account for (an answer that differs from 1.7.43 is
 * recorded, not a failure: that is what the table is for).
 *
 * `--versions 0.33.65,1.6.10` runs some of them; `--no-write` leaves the README alone.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createCubeJobsClient, CubeJobsError } from '@cube-jobs/core';
import { cubeJobsCacheDir } from '@cube-jobs/dev-tools';
import {
  conformanceScenarios,
  hs256TokenSigner,
  sampleModel,
  startFakeCube,
  type ConformanceObservation,
  type ConformanceTarget,
} from '@cube-jobs/testing';
import { sampleModelFacts } from './index.js';
import { startPostgres } from './postgres.js';
import { spawnSampleCube } from './spawn.js';

/** A Cube release under test: its server core and the PostgreSQL driver the registry has for its line. */
export interface CompatRelease {
  readonly serverCore: string;
  readonly postgresDriver: string;
  /** Why it is in the list. */
  readonly why: string;
}

/** The releases the suite runs (the registry here has no 1.0–1.2, and no postgres driver for 1.3–1.5). */
export const COMPAT_RELEASES: readonly CompatRelease[] = [
  { serverCore: '1.7.43', postgresDriver: '1.7.43', why: 'current; the sample Cube' },
  { serverCore: '1.6.10', postgresDriver: '1.6.10', why: 'the earliest 1.x with a PostgreSQL driver here' },
  { serverCore: '0.33.65', postgresDriver: '0.32.8', why: 'a 0.3x release from before dateRange selectors' },
];

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const START_MARKER = '<!-- compat-table:start (written by npm run test:compat) -->';
const END_MARKER = '<!-- compat-table:end -->';

/** Installs a release into the cache once; returns its folder (undefined for the app's own 1.7.43). */
async function installRelease(release: CompatRelease): Promise<string | undefined> {
  if (release.serverCore === '1.7.43') return undefined;
  const dir = join(cubeJobsCacheDir(), `cube-${release.serverCore}`);
  const done = join(dir, '.installed');
  if (existsSync(done)) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  process.stdout.write(`  installing Cube ${release.serverCore} into ${dir}…\n`);
  await promisify(execFile)(
    'npm',
    [
      'install',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      `@cubejs-backend/server-core@${release.serverCore}`,
      `@cubejs-backend/postgres-driver@${release.postgresDriver}`,
    ],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  );
  writeFileSync(done, `${new Date().toISOString()}\n`);
  return dir;
}

/** One observation in a table cell: status, error text (cut), token count and final states. */
function describeObservation(observation: ConformanceObservation): string {
  const parts = [String(observation.status)];
  if (observation.error !== undefined) {
    const error = observation.error.replace(/\s+/g, ' ').replace(/\|/g, '/');
    parts.push(`"${error.length > 70 ? `${error.slice(0, 69)}…` : error}"`);
  }
  if (observation.tokenCount !== undefined) parts.push(`${observation.tokenCount} jobs`);
  if (observation.finalStates !== undefined) parts.push([...new Set(observation.finalStates)].join('+'));
  return parts.join(' ');
}

/** What one release answered to every scenario, and what our client made of its differences. */
interface ReleaseRun {
  readonly release: CompatRelease;
  readonly mode: string;
  readonly answers: ReadonlyMap<string, ConformanceObservation>;
  /** Our client's outcome per check (see {@link CLIENT_CHECKS}). */
  readonly client: ReadonlyMap<string, string>;
}

/**
 * What `@cube-jobs/core` does where releases differ, and what it must do: a typed error or the right
 * answer, never a misleading success.
 */
const CLIENT_CHECKS: ReadonlyArray<{
  readonly name: string;
  run(cube: { url: string; apiSecret: string }): Promise<string>;
  /** Outcomes that are correct on some release. */
  readonly acceptable: readonly string[];
}> = [
  {
    name: 'client: trigger one month of orders.by_month (dateRange)',
    acceptable: ['1 job(s)', 'CubeJobsUnsupportedError'],
    run: async ({ url, apiSecret }) => {
      const client = createCubeJobsClient({ apiUrl: url, apiSecret, advanced: { maxRetries: 0 } });
      const tokens = await client.triggerBuild({
        contexts: [{ securityContext: {} }],
        timezones: ['UTC'],
        preAggregations: [sampleModelFacts.partitioned],
        dateRange: [...sampleModelFacts.oneMonth],
      });
      return `${tokens.length} job(s)`;
    },
  },
  {
    name: 'client: read an unknown token',
    acceptable: ['not_found'],
    run: async ({ url, apiSecret }) => {
      const client = createCubeJobsClient({ apiUrl: url, apiSecret, advanced: { maxRetries: 0 } });
      const [status] = await client.getJobStatuses(['0'.repeat(32)]);
      return status?.state ?? 'none';
    },
  },
];

/** Runs a client check, turning a typed error into its name. */
async function runClientCheck(check: (typeof CLIENT_CHECKS)[number], cube: { url: string; apiSecret: string }) {
  try {
    return await check.run(cube);
  } catch (error) {
    return error instanceof CubeJobsError ? error.name : `unexpected: ${(error as Error).message.slice(0, 80)}`;
  }
}

/** Runs every scenario against one release on a fresh PostgreSQL. */
async function runRelease(release: CompatRelease): Promise<ReleaseRun> {
  const serverCoreDir = await installRelease(release);
  const postgres = await startPostgres();
  const dataDir = mkdtempSync(join(tmpdir(), 'cube-jobs-compat-'));
  try {
    // As in the conformance test: the schema first, so its creation race cannot change an answer.
    await postgres.query('CREATE SCHEMA prod_pre_aggregations');
    const cube = await spawnSampleCube({
      dataDir,
      withBroken: true,
      env: { ...postgres.cubeEnv, ...(serverCoreDir ? { SAMPLE_CUBE_SERVER_CORE_DIR: serverCoreDir } : {}) },
    });
    try {
      const target: ConformanceTarget = {
        url: cube.url,
        signToken: hs256TokenSigner(cube.apiSecret),
        model: sampleModelFacts,
      };
      const answers = new Map<string, ConformanceObservation>();
      for (const scenario of conformanceScenarios) answers.set(scenario.name, await scenario.run(target));
      const client = new Map<string, string>();
      for (const check of CLIENT_CHECKS) client.set(check.name, await runClientCheck(check, cube));
      return { release, mode: cube.mode, answers, client };
    } finally {
      await cube.stop();
    }
  } finally {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The table: one row per scenario where some release differs from the fake (Cube 1.7.43's answers). */
function renderTable(runs: readonly ReleaseRun[], reference: ReadonlyMap<string, ConformanceObservation>): string {
  const date = new Date().toISOString().slice(0, 10);
  const header = `| scenario | fake (as 1.7.43) | ${runs.map((run) => `${run.release.serverCore} (${run.mode})`).join(' | ')} |`;
  const rows: string[] = [];
  let same = 0;
  for (const scenario of conformanceScenarios) {
    const expected = reference.get(scenario.name);
    const cells = runs.map((run) => run.answers.get(scenario.name));
    if (cells.every((cell) => JSON.stringify(cell) === JSON.stringify(expected))) {
      same += 1;
      continue;
    }
    const shown = cells.map((cell) =>
      JSON.stringify(cell) === JSON.stringify(expected) ? 'same' : cell ? describeObservation(cell) : '—',
    );
    rows.push(`| ${scenario.name} | ${expected ? describeObservation(expected) : '—'} | ${shown.join(' | ')} |`);
  }
  for (const check of CLIENT_CHECKS) {
    rows.push(
      `| ${check.name} | ${check.acceptable[0]} | ${runs.map((run) => run.client.get(check.name) ?? '—').join(' | ')} |`,
    );
  }
  return [
    `Produced by \`npm run test:compat\` on ${date}: ${runs.map((run) => `server-core ${run.release.serverCore} + postgres-driver ${run.release.postgresDriver}`).join('; ')}; PostgreSQL 17.7.`,
    `${same} of ${conformanceScenarios.length} scenarios answered the same everywhere; the others, then what \`@cube-jobs/core\` makes of the differences:`,
    '',
    header,
    `| --- | --- | ${runs.map(() => '---').join(' | ')} |`,
    ...rows,
  ].join('\n');
}

const { values: flags } = parseArgs({
  options: { versions: { type: 'string' }, 'no-write': { type: 'boolean', default: false } },
});
const wanted = flags.versions?.split(',').map((version) => version.trim());
const releases = wanted ? COMPAT_RELEASES.filter((release) => wanted.includes(release.serverCore)) : COMPAT_RELEASES;
if (releases.length === 0) {
  process.stderr.write(`--versions: expected some of ${COMPAT_RELEASES.map((r) => r.serverCore).join(', ')}\n`);
  process.exit(2);
}

const fake = await startFakeCube({ model: sampleModel(), buildDurationMs: 30 });
const reference = new Map<string, ConformanceObservation>();
const fakeTarget: ConformanceTarget = {
  url: fake.url,
  signToken: hs256TokenSigner(fake.apiSecret),
  model: sampleModelFacts,
};
for (const scenario of conformanceScenarios) reference.set(scenario.name, await scenario.run(fakeTarget));
await fake.stop();

const runs: ReleaseRun[] = [];
let failures = 0;
for (const release of releases) {
  process.stdout.write(`▸ Cube ${release.serverCore} (${release.why})\n`);
  try {
    const run = await runRelease(release);
    runs.push(run);
    const differing = conformanceScenarios.filter(
      (scenario) => JSON.stringify(run.answers.get(scenario.name)) !== JSON.stringify(reference.get(scenario.name)),
    );
    process.stdout.write(`  ${run.mode} mode; ${differing.length} scenario(s) differ from 1.7.43\n`);
    for (const check of CLIENT_CHECKS) {
      const outcome = run.client.get(check.name) ?? '—';
      const ok = check.acceptable.includes(outcome);
      if (!ok) failures += 1;
      process.stdout.write(`  ${ok ? '✓' : '✗'} ${check.name}: ${outcome}\n`);
    }
  } catch (error) {
    failures += 1;
    process.stdout.write(`  could not run: ${(error as Error).message.slice(0, 500)}\n`);
  }
}

const table = renderTable(runs, reference);
process.stdout.write(`\n${table}\n`);
if (!flags['no-write'] && !wanted) {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error(`The README has no ${START_MARKER} … ${END_MARKER} block`);
  writeFileSync(README, `${readme.slice(0, start + START_MARKER.length)}\n${table}\n${readme.slice(end)}`);
  process.stdout.write(`\nWrote the table to ${README}\n`);
}
process.exit(failures === 0 ? 0 : 1);

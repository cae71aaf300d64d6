/**
 * The benchmark's printed report: the per-build table, the latency figures, Temporal's cost per design,
 * the load and fleet runs, the big-build lines, and each goal marked PASS or MISS. Two modes: ours (`cube-jobs`, one heartbeating wait
 * activity) and the naive loop of Cube's Airflow and Prefect integrations (`baseline`).
 *
 * @module
 */
import {
  LOAD_MODES,
  MODES,
  type BenchResults,
  type BuildFacts,
  type LoadRunResult,
  type Mode,
  type TemporalCostFigures,
} from './results.js';

/** A duration for people: `750 ms`, `6.6 s`, `2.0 min`. */
export const formatMs = (ms: number): string =>
  ms >= 60_000
    ? `${(ms / 60_000).toFixed(1)} min`
    : ms >= 1000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms)} ms`;

/** A size for people: `7.0 KiB`, `1.71 MiB`. */
export const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;

/** Writes one line to standard output. */
export const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/** Table cells, each right-aligned to its width, two spaces apart. */
function row(cells: ReadonlyArray<readonly [string | number, number]>): string {
  return cells.map(([value, width]) => String(value).padStart(width)).join('  ');
}

/** One goal's verdict. */
const goal = (ok: boolean, text: string) => say(`  ${ok ? 'PASS' : 'MISS'} ${text}`);

function perBuildTable(results: BenchResults): void {
  say();
  say('Per build (12 partitions), cube-jobs (one heartbeating wait activity) beside the baseline (naive 10 s loop):');
  say('  build    mode        events  history     requests  tokens polled  Cloud actions (est.)  detection latency');
  for (const [duration, modes] of Object.entries(results.perBuild)) {
    for (const mode of MODES) {
      const f = modes[mode];
      const cells = row([
        [f.events, 7],
        [formatBytes(f.historyBytes), 10],
        [f.requests, 8],
        [f.tokensPolled, 13],
        [f.actions, 20],
        [formatMs(f.latencyBuildMs), 17],
      ]);
      say(`  ${duration.padEnd(8)} ${mode.padEnd(10)} ${cells}`);
    }
  }
}

function latencyLines(results: BenchResults, builds: number): void {
  say();
  say(`Detection latency over ${builds} builds of 1–3 min (build time):`);
  for (const mode of MODES) {
    const l = results.latency[mode];
    say(
      `  ${mode.padEnd(10)} p50 ${formatMs(l.p50).padStart(8)}   p95 ${formatMs(l.p95).padStart(8)}   within max(1 s, 5 % of the build): ${(l.withinBound * 100).toFixed(0)} %`,
    );
  }
}

function costLines(results: BenchResults): void {
  const first = results.temporalCost[0];
  if (!first) return;
  say();
  say(
    `Temporal's load per waiting build: one ${formatMs(first.buildMs)} build (build time) per design, counted by the server (its own namespace each):`,
  );
  say(
    '  design                   heartbeat timeout  events  heartbeats  server writes  writes/build-min  Cloud actions  actions/build-hour',
  );
  for (const f of results.temporalCost) say(costLine(f));
}

function costLine(f: TemporalCostFigures): string {
  const cells = row([
    [f.heartbeatTimeoutMs === undefined ? '—' : formatMs(f.heartbeatTimeoutMs), 17],
    [f.events, 6],
    [f.heartbeats, 10],
    [f.serverWrites, 13],
    [f.writesPerBuildMinute.toFixed(1), 16],
    [f.actions, 13],
    [f.actionsPerBuildHour.toFixed(0), 18],
  ]);
  return `  ${f.design.padEnd(22)} ${cells}`;
}

/** The header of {@link loadLine}'s columns. */
const LOAD_HEADER =
  '  mode             builds  posts  status requests  peak gets/s  429s  p95 detect  heartbeats  writes/b-min  max waiting  worker RSS     CPU     wall';

function loadLine(run: LoadRunResult, label: string = run.mode): string {
  const cells = row([
    [`${run.succeeded}/${run.builds}`, 9],
    [run.posts, 5],
    [run.statusRequests, 15],
    [run.peakStatusRequestsPerSecond, 11],
    [run.rateLimited, 5],
    [formatMs(run.latencyP95Ms), 10],
    [run.heartbeats, 10],
    [run.writesPerBuildMinute.toFixed(1), 12],
    [run.peakWaiting, 11],
    [formatBytes(run.peakRssBytes), 10],
    [`${run.cpuSeconds.toFixed(0)} s`, 6],
    [formatMs(run.wallMs), 7],
  ]);
  return `  ${label.padEnd(13)}  ${cells}`;
}

function loadLines(results: BenchResults): void {
  const shared = results.load.shared;
  say();
  say(
    `Cube load: ${shared.builds} builds of ${shared.partitions} partitions started at once on one worker, each ${formatMs(shared.buildMs)} (real time),`,
  );
  say(
    "against a fake Cube that enforces Cube Cloud's rate limit (100 requests/s, bursts to 1,000); then the fleet run:",
  );
  say(LOAD_HEADER);
  for (const mode of LOAD_MODES) say(loadLine(results.load[mode]));
  say(loadLine(results.fleet, 'fleet, shared'));
  say("Outcomes from Temporal's record (close status of every build; failures by type) and what the harness's");
  say('result calls, all at once, ended with:');
  for (const run of [...LOAD_MODES.map((mode) => results.load[mode]), results.fleet]) {
    say(`  ${`${run === results.fleet ? 'fleet' : run.mode} (${run.builds})`.padEnd(18)} ${outcomeLine(run)}`);
  }
}

/** `COMPLETED 998, FAILED 2 (PreAggregationWaitTimeoutError 2); result calls: ok 990, …`. */
function outcomeLine(run: LoadRunResult): string {
  const list = (counts: Readonly<Record<string, number>> | undefined) =>
    Object.entries(counts ?? {})
      .sort(([, a], [, b]) => b - a)
      .map(([key, count]) => `${key} ${count}`)
      .join(', ');
  const failures = list(run.failuresByType);
  return `${list(run.closeStatuses) || 'not recorded'}${failures ? ` (${failures})` : ''}; result calls: ${list(run.resultCalls) || 'not recorded'}`;
}

function otherLines(results: BenchResults): void {
  say();
  const b = results.bigBuild;
  say(
    `Big build: ${b.tokens} tokens, cube-jobs: ${b.outcome}; history ${formatBytes(b.historyBytes)} in ${b.events} events, ${formatMs(b.wallMs)}`,
  );
  const v = results.verification;
  say(
    `Verified build (verify: { minRows: 1 }): ${v.verified}/${v.partitions} partitions verified; ${v.requests.load} queries, ${v.requests.meta} model read(s), ${v.requests.jobs} get(s): ${v.requestsPerPartition.toFixed(2)} requests per partition; verifying took ${formatMs(v.verifyMs)} (${(v.verifyMs / v.partitions).toFixed(1)} ms per partition against the fake); history ${v.eventsWithout} → ${v.eventsWith} events`,
  );
  const p = results.parse;
  say(
    `Core client: validate and parse a ${p.statuses.toLocaleString('en')}-status get answer (${formatBytes(p.bodyBytes)}): median ${p.medianMs.toFixed(1)} ms, p95 ${p.p95Ms.toFixed(1)} ms`,
  );
}

/** The fleet's goal: every build waiting at once on one worker, each posted once, Cube and memory within bounds. */
function fleetGoal(fleet: LoadRunResult): void {
  const onePostEach = fleet.posts === fleet.builds;
  goal(
    fleet.succeeded === fleet.builds &&
      onePostEach &&
      fleet.peakStatusRequestsPerSecond <= 10 &&
      fleet.peakWaiting === fleet.builds &&
      fleet.peakRssBytes <= 512 * 1024 * 1024,
    `${fleet.builds.toLocaleString('en')} concurrent builds on one worker, all waiting at once: all succeed, 1 post each, ≤ 10 status requests/s, worker RSS ≤ 512 MiB (measured: ${fleet.succeeded}/${fleet.builds}, ${fleet.posts} posts, ${fleet.peakStatusRequestsPerSecond}/s, ${fleet.peakWaiting} waiting at once, ${formatBytes(fleet.peakRssBytes)})`,
  );
}

/** The fleet run alone (`--fleet`): its line, its outcomes and its goal. */
export function fleetReport(fleet: LoadRunResult): void {
  say();
  say(
    `Fleet: ${fleet.builds} builds of ${fleet.partitions} partitions started at once on one worker, each ${formatMs(fleet.buildMs)} (real time):`,
  );
  say(LOAD_HEADER);
  say(loadLine(fleet, 'fleet, shared'));
  say(`  outcomes: ${outcomeLine(fleet)}`);
  say();
  say('Goal:');
  fleetGoal(fleet);
}

/** The 1,000-build goals, judged on however many builds this run started (fewer in quick mode). */
function loadGoals(results: BenchResults): void {
  const { shared, independent } = results.load;
  const n = `${shared.builds} concurrent builds`;
  const vsIndependent = independent.statusRequests / shared.statusRequests;
  goal(
    vsIndependent >= 50,
    `${n}: ≥ 50× fewer status requests than independent waits (measured: ${vsIndependent.toFixed(0)}×, ${shared.statusRequests} vs ${independent.statusRequests})`,
  );
  goal(
    shared.peakStatusRequestsPerSecond <= 10,
    `${n}: ≤ 10 status requests in any one second (measured: ${shared.peakStatusRequestsPerSecond}; all requests, the posts included: ${shared.peakRequestsPerSecond})`,
  );
  goal(
    shared.withinBound >= 0.95,
    `${n}: detected within max(1 s, 5 %) plus one 1 s tick (measured: ${(shared.withinBound * 100).toFixed(0)} % of builds; p95 ${formatMs(shared.latencyP95Ms)}; independent waits: ${(independent.withinBound * 100).toFixed(0)} %, p95 ${formatMs(independent.latencyP95Ms)})`,
  );
  goal(
    shared.rateLimited === 0 && shared.succeeded === shared.builds,
    `Cube Cloud's limit enforced, maxRequestsPerSecond 100: zero 429s, every build succeeds (measured: ${shared.rateLimited} 429s, ${shared.succeeded}/${shared.builds}; independent waits, unlimited: ${independent.rateLimited} 429s)`,
  );
  fleetGoal(results.fleet);
  const ours = results.temporalCost.find((f) => f.design === 'cube-jobs');
  if (ours) {
    goal(
      ours.actionsPerBuildHour <= 30,
      `≤ 30 Temporal Cloud actions per build-hour (measured: ${ours.actionsPerBuildHour.toFixed(0)}, ${ours.heartbeats} of them heartbeats; 0.1's 30 s heartbeat timeout: ${results.temporalCost.find((f) => f.design !== 'cube-jobs' && f.heartbeatTimeoutMs !== undefined)?.actionsPerBuildHour.toFixed(0)}; the naive loop: ${results.temporalCost.find((f) => f.design === 'baseline')?.actionsPerBuildHour.toFixed(0)})`,
    );
  }
}

function goals(results: BenchResults): void {
  const { perBuild, latency, bigBuild, parse } = results;
  say();
  say('Goals:');
  const events = Object.values(perBuild).map((m) => m['cube-jobs'].events);
  goal(
    Math.max(...events) <= 15,
    `history events per build ≤ 15, whatever the duration (measured: ${events.join(', ')})`,
  );
  const full = perBuild[formatMs(1_800_000)];
  const { 'cube-jobs': ours, baseline } = (full ?? perBuild[formatMs(120_000)]) as Record<Mode, BuildFacts>;
  const longName = full ? '30-minute' : '2-minute (30-minute runs in full mode only)';
  const bound = Math.max(1000, 0.05 * (full ? 1_800_000 : 120_000));
  goal(
    ours.requests < baseline.requests && baseline.latencyBuildMs >= 2 * ours.latencyBuildMs,
    `${longName} build: fewer Cube requests than the baseline, detected ≥ 2× sooner (measured: ${ours.requests} vs ${baseline.requests} requests; ${formatMs(ours.latencyBuildMs)} vs ${formatMs(baseline.latencyBuildMs)})`,
  );
  const oursLatency = latency['cube-jobs'];
  goal(
    oursLatency.withinBound >= 0.95,
    `detection latency p95 ≤ max(1 s, 5 % of the build's duration), 1–3 min builds (measured: ${(oursLatency.withinBound * 100).toFixed(0)} % of builds within their bound; p95 ${formatMs(oursLatency.p95)})`,
  );
  goal(
    ours.latencyBuildMs <= bound,
    `${longName} build detected within max(1 s, 5 %) = ${formatMs(bound)} (measured: ${formatMs(ours.latencyBuildMs)})`,
  );
  loadGoals(results);
  goal(
    bigBuild.historyBytes <= 2 * 1024 * 1024,
    `${bigBuild.tokens}-token build history ≤ 2 MiB (measured: ${formatBytes(bigBuild.historyBytes)} in ${bigBuild.events} events)`,
  );
  goal(parse.medianMs <= 50, `10,000-status parse ≤ 50 ms (measured median: ${parse.medianMs.toFixed(1)} ms)`);
}

/** Prints the whole report of a run. */
export function report(results: BenchResults, latencyBuilds: number): void {
  perBuildTable(results);
  latencyLines(results, latencyBuilds);
  costLines(results);
  loadLines(results);
  otherLines(results);
  goals(results);
}

/**
 * The benchmark's printed report: the per-build table, the latency figures, the scale and big-build
 * lines, and each goal marked PASS or MISS.
 *
 * @module
 */
import { MODES, type BenchResults, type BuildFacts, type Mode } from './results.js';

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

/** One goal's verdict. */
const goal = (ok: boolean, text: string) => say(`  ${ok ? 'PASS' : 'MISS'} ${text}`);

function perBuildTable(results: BenchResults): void {
  say();
  say('Per build (12 partitions):');
  say('  build    mode        events  history     requests  tokens polled  Cloud actions (est.)  detection latency');
  for (const [duration, modes] of Object.entries(results.perBuild)) {
    for (const mode of MODES) {
      const f = modes[mode];
      const cells = [
        String(f.events).padStart(7),
        formatBytes(f.historyBytes).padStart(10),
        String(f.requests).padStart(8),
        String(f.tokensPolled).padStart(13),
        String(f.actions).padStart(20),
        formatMs(f.latencyBuildMs).padStart(17),
      ];
      say(`  ${duration.padEnd(8)} ${mode.padEnd(10)} ${cells.join('  ')}`);
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

function scaleLines(results: BenchResults): void {
  const c = results.concurrent;
  say();
  say(
    `Scale: ${c.builds} concurrent heartbeat-mode builds on one worker: ${c.succeeded} succeeded; wall ${formatMs(c.wallMs)} for builds of ${formatMs(c.buildRealMs)} (real); worker peak RSS ${formatBytes(c.peakRssBytes)}, CPU ${c.cpuSeconds.toFixed(1)} s`,
  );
  for (const [mode, b] of Object.entries(results.bigBuild)) {
    say(
      `Big build: ${b.tokens} tokens, ${mode} mode: ${b.outcome}; history ${formatBytes(b.historyBytes)} in ${b.events} events, ${b.continueAsNew} continue-as-new, ${formatMs(b.wallMs)}`,
    );
  }
  const p = results.parse;
  say(
    `Core client: validate and parse a ${p.statuses.toLocaleString('en')}-status get answer (${formatBytes(p.bodyBytes)}): median ${p.medianMs.toFixed(1)} ms, p95 ${p.p95Ms.toFixed(1)} ms`,
  );
}

function goals(results: BenchResults): void {
  const { perBuild, latency, concurrent, bigBuild, parse } = results;
  say();
  say('Goals:');
  const heartbeatEvents = Object.values(perBuild).map((m) => m.heartbeat.events);
  goal(
    Math.max(...heartbeatEvents) <= 15,
    `history events per build ≤ 15 in heartbeat mode, whatever the duration (measured: ${heartbeatEvents.join(', ')})`,
  );
  const full = perBuild[formatMs(1_800_000)];
  const long = (full ?? perBuild[formatMs(120_000)]) as Record<Mode, BuildFacts>;
  const longName = full ? '30-minute' : '2-minute (30-minute runs in full mode only)';
  const ratio = long.baseline.requests / long.heartbeat.requests;
  const bound = Math.max(1000, 0.05 * (full ? 1_800_000 : 120_000));
  goal(
    ratio >= 10,
    `${longName} build: ≥ 10× fewer Cube requests than the baseline (measured: ${ratio.toFixed(1)}×, ${long.heartbeat.requests} vs ${long.baseline.requests})`,
  );
  goal(
    latency.heartbeat.withinBound >= 0.95,
    `detection latency p95 ≤ max(1 s, 5 % of the build's duration), heartbeat mode, 1–3 min builds (measured: ${(latency.heartbeat.withinBound * 100).toFixed(0)} % of builds within their bound; p95 ${formatMs(latency.heartbeat.p95)})`,
  );
  goal(
    long.heartbeat.latencyBuildMs <= bound,
    `${longName} build detected within max(1 s, 5 %) = ${formatMs(bound)} (measured: ${formatMs(long.heartbeat.latencyBuildMs)})`,
  );
  goal(
    concurrent.succeeded === concurrent.builds && concurrent.peakRssBytes <= 512 * 1024 * 1024,
    `${concurrent.builds} concurrent builds, worker RSS ≤ 512 MiB (measured: ${formatBytes(concurrent.peakRssBytes)})`,
  );
  goal(
    bigBuild.heartbeat.historyBytes <= 2 * 1024 * 1024,
    `${bigBuild.heartbeat.tokens}-token build history ≤ 2 MiB (heartbeat: ${formatBytes(bigBuild.heartbeat.historyBytes)}, timer: ${formatBytes(bigBuild.timer.historyBytes)})`,
  );
  goal(parse.medianMs <= 50, `10,000-status parse ≤ 50 ms (measured median: ${parse.medianMs.toFixed(1)} ms)`);
}

/** Prints the whole report of a run. */
export function report(results: BenchResults, latencyBuilds: number): void {
  perBuildTable(results);
  latencyLines(results, latencyBuilds);
  scaleLines(results);
  goals(results);
}

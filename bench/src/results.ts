/**
 * The benchmark's results, typed: what each scenario measures, and the whole run as
 * `bench/results/latest.json` stores it.
 *
 * @module
 */

/**
 * How a build waits: ours (`buildPreAggregations`, one heartbeating wait activity), or the naive loop of
 * Cube's Airflow and Prefect integrations.
 */
export type Mode = 'cube-jobs' | 'baseline';

/** Every mode, in report order. */
export const MODES: readonly Mode[] = ['cube-jobs', 'baseline'];

/** Facts about one finished build. */
export interface BuildFacts {
  readonly events: number;
  readonly historyBytes: number;
  readonly requests: number;
  readonly tokensPolled: number;
  readonly latencyBuildMs: number;
  /** How long the build's jobs took (build time), for the latency bound max(1 s, 5 %). */
  readonly buildDurationMs: number;
  readonly actions: number;
  /** Highest activity attempt seen in request ids (above 1: an activity was retried). */
  readonly maxAttempt: number;
}

/** Per build duration (formatted, e.g. `2.0 min`), the facts of one build in each mode. */
export type PerBuildResults = Record<string, Record<Mode, BuildFacts>>;

/** Detection latency over many builds of one mode (build time). */
export interface LatencyFigures {
  readonly p50: number;
  readonly p95: number;
  /** Share of builds noticed within max(1 s, 5 % of their own duration). */
  readonly withinBound: number;
}

/** Many concurrent builds on one worker process, against a rate-limited fake Cube. */
export interface LoadRunResult {
  readonly mode: LoadMode;
  readonly builds: number;
  readonly partitions: number;
  /** Build time of each build. */
  readonly buildMs: number;
  /** Builds Temporal's record shows `COMPLETED`. */
  readonly succeeded: number;
  /** Every build's close status as Temporal records it (`COMPLETED`, `FAILED`, `TIMED_OUT`, `RUNNING`, ...). */
  readonly closeStatuses: Readonly<Record<string, number>>;
  /** Failed builds by the type of their failure (`PreAggregationBuildFailedError`, ...). */
  readonly failuresByType: Readonly<Record<string, number>>;
  /**
   * What the harness's `handle.result()` calls (all at once, as a pipeline waiting on every build does)
   * ended with, by cause: `ok`, or the error's name and gRPC code. Outcomes are counted from Temporal's
   * record above, not from these calls.
   */
  readonly resultCalls: Readonly<Record<string, number>>;
  readonly posts: number;
  /**
   * Posts beyond one per build: how many builds posted more than once, and how the extra posts came (the
   * same request id again: a retried workflow task ran the trigger again; a later attempt: its retries).
   */
  readonly repeatedPosts: { readonly builds: number; readonly sameRequestId: number; readonly laterAttempt: number };
  /** `get` requests Cube received (429s included). */
  readonly statusRequests: number;
  readonly tokensPolled: number;
  /** The most `get` requests within any one second. */
  readonly peakStatusRequestsPerSecond: number;
  /** The most requests of any kind within any one second. */
  readonly peakRequestsPerSecond: number;
  /** Requests the fake refused with 429. */
  readonly rateLimited: number;
  /** Detection latency (build time). */
  readonly latencyP50Ms: number;
  readonly latencyP95Ms: number;
  /** Share of builds noticed within max(1 s, 5 % of their duration), plus one tick with the shared poller. */
  readonly withinBound: number;
  /** `RecordActivityTaskHeartbeat` calls the server received during the run. */
  readonly heartbeats: number;
  /** Persistence writes the server made for the run, per build-minute. */
  readonly writesPerBuildMinute: number;
  readonly wallMs: number;
  /** The most builds waiting at once: posted, not yet closed (from Cube's posts and Temporal's close times). */
  readonly peakWaiting: number;
  readonly peakRssBytes: number;
  readonly cpuSeconds: number;
}

/**
 * The designs whose cost to Temporal is measured side by side: ours (heartbeat timeout 5 min), ours with
 * 0.1's 30 s heartbeat timeout, and the naive loop.
 */
export type CostDesign = 'cube-jobs' | 'cube-jobs 0.1 (30 s)' | 'baseline';

/** What one build cost Temporal, counted by the server (heartbeats, writes) and from history (actions). */
export interface TemporalCostFigures {
  readonly design: CostDesign;
  /** How long the build's jobs took (build time). */
  readonly buildMs: number;
  /** The wait's heartbeat timeout (build time); the baseline has none. */
  readonly heartbeatTimeoutMs: number | undefined;
  readonly events: number;
  /** `RecordActivityTaskHeartbeat` calls the server received. */
  readonly heartbeats: number;
  /** Persistence writes the server made for the build's namespace. */
  readonly serverWrites: number;
  /** Temporal Cloud actions: the history's billable events plus the heartbeats. */
  readonly actions: number;
  readonly writesPerBuildMinute: number;
  readonly actionsPerBuildHour: number;
}

/** One build with thousands of tokens (ours only). */
export interface BigBuildResult {
  readonly outcome: string;
  readonly tokens: number;
  readonly historyBytes: number;
  readonly events: number;
  readonly wallMs: number;
}

/** What proving `done` cost: one build with `verify` beside the same build without. */
export interface VerificationResult {
  readonly partitions: number;
  /** Partitions verified (all of them, when Cube serves the build). */
  readonly verified: number;
  /** Cube requests while verifying: queries, model reads and `get`s. */
  readonly requests: { readonly load: number; readonly meta: number; readonly jobs: number };
  readonly requestsPerPartition: number;
  /** The verifying step, from its activity's scheduling to its completion. */
  readonly verifyMs: number;
  /** History events of the build without `verify`, and with it. */
  readonly eventsWithout: number;
  readonly eventsWith: number;
}

/** Validating and parsing one large `get` answer in the core client. */
export interface ParseResult {
  readonly statuses: number;
  readonly bodyBytes: number;
  readonly medianMs: number;
  readonly p95Ms: number;
}

/** The machine the run measured. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
}

/** A whole run, as written to `bench/results/latest.json`. */
export interface BenchResults {
  readonly scale: number;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly startedAt: string;
  readonly perBuild: PerBuildResults;
  readonly latency: Record<Mode, LatencyFigures>;
  /** N concurrent builds in each load mode. */
  readonly load: Record<LoadMode, LoadRunResult>;
  /** The fleet run: 5,000 concurrent builds with the shared poller (2,000 in quick mode). */
  readonly fleet: LoadRunResult;
  /** One build of an hour in each design: what it cost Temporal. */
  readonly temporalCost: readonly TemporalCostFigures[];
  /** One build of 5,000 tokens, ours. */
  readonly bigBuild: BigBuildResult;
  /** One build proving `done` (`verify`) beside the same build without. */
  readonly verification: VerificationResult;
  readonly parse: ParseResult;
  readonly durationMs: number;
}

/** How the builds of a load run read their statuses. */
export type LoadMode = 'shared' | 'independent' | 'baseline';

/** Every load mode, in report order. */
export const LOAD_MODES: readonly LoadMode[] = ['shared', 'independent', 'baseline'];

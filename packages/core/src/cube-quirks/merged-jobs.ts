/**
 * Following jobs Cube merged into an identical build.
 *
 * When a partition's build is still queued or running, Cube does not queue a second build of it: the
 * second `post` gets a token whose own table (named after its build second) is never built. Planned in
 * another second than the build it was merged into (its "twin"), that job reads `missing_partition`
 * from its first read to the end of time, even after the twin built the partition (measured on Cube
 * 1.7.43). Taken at its word, every overlapping build (a schedule and an on-demand refresh, two
 * tenants sharing a partition, a trigger run twice) would post its partitions again.
 *
 * The twin is recognisable: its table has the same name up to the build time (same partition, content
 * and structure versions). {@link MergedJobTracker} remembers the jobs a client has read, finds the twin
 * of a `missing_partition` job among them, reads the twin with the job from then on, and reports the
 * job with its twin's state: merged jobs finish when their twin does, without a second build.
 *
 * @module
 */
import type { JobState, JobStatus } from '../job.js';
import { isInFlightState } from '../status.js';

/** Options of {@link MergedJobTracker}. */
export interface MergedJobTrackerOptions {
  /** Most jobs remembered; the least recently read are forgotten first. @default 100000 */
  readonly maxJobs?: number | undefined;
  /** Jobs not read for this long are forgotten (Cube forgets a job 24 h after its last change). @default 86400000 */
  readonly retentionMs?: number | undefined;
}

/** The tracker's defaults. */
export const DEFAULT_MERGED_JOB_TRACKER = {
  maxJobs: 100_000,
  retentionMs: 24 * 60 * 60 * 1000,
} as const satisfies Required<MergedJobTrackerOptions>;

/** A job as the tracker remembers it. */
interface TrackedJob {
  readonly token: string;
  /** With {@link buildKey}, what Cube's queue merges builds by. */
  readonly dataSource: string;
  /** The table's name up to the build time. */
  readonly buildKey: string;
  readonly table: string;
  /** When Cube planned the build (its table's build second), or when the job was first read. */
  readonly plannedAtMs: number;
  /** Whether {@link plannedAtMs} is Cube's build second (read off the table name). */
  readonly plannedByCube: boolean;
  /**
   * Cube's state at the first read, when that read came within {@link QUEUED_EVIDENCE_WINDOW_MS} of the
   * job's planning: `missing_partition` there means Cube never queued the job itself.
   */
  readonly firstState: JobState | undefined;
  /** Cube's state at the latest read (not the merged one this tracker reports). */
  state: JobState;
  lastReadAtMs: number;
  /** The latest read that saw the job queued or running. */
  lastInFlightAtMs: number | undefined;
  /** The job it was merged into, once found. */
  twin: string | undefined;
}

/** Cube's build-time suffix: the last `_` segment of a versioned table name, seconds in base 32. */
const BUILD_TIME_SUFFIX = /^(.+_[0-9a-z]+_[0-9a-z]+)_([0-9a-v]{1,8})$/;

/** A table's name up to its build time, and the build time (epoch ms), when the name has Cube's shape. */
export function splitBuildTime(table: string): { readonly buildKey: string; readonly builtAtMs: number } | undefined {
  const match = BUILD_TIME_SUFFIX.exec(table);
  if (!match) return undefined;
  return { buildKey: match[1] as string, builtAtMs: parseInt(match[2] as string, 32) * 1000 };
}

/** How far a table's build time may be from the reader's clock before it is not trusted (a wrong guess of the name's shape). */
const PLAUSIBLE_BUILD_TIME_MS = 7 * 24 * 60 * 60 * 1000;

/** How far apart two builds' planned seconds may be for the later one, merged, to count as merged into the earlier. */
const ADJACENT_SECOND_MS = 1000;

/**
 * A first read later than this after the job's planning says nothing about whether Cube queued it:
 * a job queued and then lost (a Cube restart) reads `missing_partition` too.
 */
const QUEUED_EVIDENCE_WINDOW_MS = 60_000;

/**
 * Remembers the jobs one client reads and reports a job Cube merged into an identical build with that
 * build's state. Feed every read through {@link MergedJobTracker.follow}; read the tokens of
 * {@link MergedJobTracker.twinsOf} with the ones asked for, so a twin's state is as fresh as its job's.
 */
export class MergedJobTracker {
  private readonly jobs = new Map<string, TrackedJob>();
  /** Tokens by {@link TrackedJob.buildKey} (of any data source). */
  private readonly builds = new Map<string, Set<string>>();
  private readonly maxJobs: number;
  private readonly retentionMs: number;

  constructor(options: MergedJobTrackerOptions = {}) {
    this.maxJobs = options.maxJobs ?? DEFAULT_MERGED_JOB_TRACKER.maxJobs;
    this.retentionMs = options.retentionMs ?? DEFAULT_MERGED_JOB_TRACKER.retentionMs;
  }

  /** How many jobs are remembered. */
  get size(): number {
    return this.jobs.size;
  }

  /** The twins of `tokens` that are not among them: read them in the same request. */
  twinsOf(tokens: readonly string[]): string[] {
    const asked = new Set(tokens);
    const twins = new Set<string>();
    for (const token of tokens) {
      const twin = this.jobs.get(token)?.twin;
      if (twin !== undefined && !asked.has(twin) && this.jobs.has(twin)) twins.add(twin);
    }
    return [...twins];
  }

  /**
   * Records a read (every status it returned, twins included) made at `nowMs`, and returns the statuses
   * of `tokens`, in order, a merged job's with its twin's state and {@link JobStatus.merge} set.
   */
  follow(statuses: readonly JobStatus[], tokens: readonly string[], nowMs: number = Date.now()): JobStatus[] {
    for (const status of statuses) this.record(status, nowMs);
    this.forget(nowMs);
    const byToken = new Map(statuses.map((status) => [status.token, status]));
    return tokens.map((token) => {
      const status = byToken.get(token) ?? { token, raw: 'not_found', state: 'not_found' as const };
      return status.state === 'missing_partition' ? this.resolve(status) : status;
    });
  }

  private record(status: JobStatus, nowMs: number): void {
    const known = this.jobs.get(status.token);
    if (known) {
      known.state = status.state;
      known.lastReadAtMs = nowMs;
      if (isInFlightState(status.state)) known.lastInFlightAtMs = nowMs;
      // Most recently read last, so the oldest are forgotten first.
      this.jobs.delete(status.token);
      this.jobs.set(status.token, known);
      return;
    }
    if (status.table === undefined) return;
    const split = splitBuildTime(status.table);
    const plausible = split !== undefined && Math.abs(split.builtAtMs - nowMs) < PLAUSIBLE_BUILD_TIME_MS;
    const dataSource = status.selector?.dataSources?.[0] ?? 'default';
    const job: TrackedJob = {
      token: status.token,
      dataSource,
      buildKey: split?.buildKey ?? status.table,
      table: status.table,
      plannedAtMs: plausible ? split.builtAtMs : nowMs,
      plannedByCube: plausible,
      firstState: plausible && nowMs - split.builtAtMs <= QUEUED_EVIDENCE_WINDOW_MS ? status.state : undefined,
      state: status.state,
      lastReadAtMs: nowMs,
      lastInFlightAtMs: isInFlightState(status.state) ? nowMs : undefined,
      twin: undefined,
    };
    this.jobs.set(job.token, job);
    const build = this.builds.get(job.buildKey) ?? new Set<string>();
    build.add(job.token);
    this.builds.set(job.buildKey, build);
  }

  /** Forgets the jobs read longest ago, beyond the retention or the size limit. */
  private forget(nowMs: number): void {
    for (const job of this.jobs.values()) {
      if (this.jobs.size <= this.maxJobs && nowMs - job.lastReadAtMs < this.retentionMs) break;
      this.jobs.delete(job.token);
      const build = this.builds.get(job.buildKey);
      build?.delete(job.token);
      if (build?.size === 0) this.builds.delete(job.buildKey);
    }
  }

  /**
   * A `missing_partition` job with its twin's state: the twin is a job with the same name up to the
   * build time, planned no later, that was queued or running when this job was planned (Cube merges
   * only into a build in flight). While the twin is in flight the job reads its state; once the twin is
   * `done` the job is `done`. A job whose twin failed, was lost or is not known stays
   * `missing_partition`, with an empty `merge` when its first read, within a minute of its planning,
   * already found it so (Cube never queued it: it was merged into a build this client has not read).
   */
  private resolve(status: JobStatus): JobStatus {
    const job = this.jobs.get(status.token);
    if (!job) return status;
    job.twin ??= this.findTwin(job);
    const twin = job.twin === undefined ? undefined : this.jobs.get(job.twin);
    if (twin && isInFlightState(twin.state)) {
      const state = twin.state === 'unknown' ? 'processing' : twin.state;
      return { ...status, state, merge: { token: twin.token, table: twin.table } };
    }
    if (twin && this.builtFor(twin, job)) {
      return { ...status, state: 'done', merge: { token: twin.token, table: twin.table } };
    }
    // The twin failed, was lost or finished before this job was planned: look again at the next read.
    job.twin = undefined;
    return job.firstState === 'missing_partition' ? { ...status, merge: {} } : status;
  }

  /**
   * Whether `twin` is done and built what `job` asked for: it was seen in flight when `job` was planned or
   * later; or Cube never queued `job` (so an identical build was in flight at its planning) and `twin` was
   * planned in the same second or the one before. The second rule covers fast builds that finish before
   * any read sees them running, as two builds posted around a second boundary do.
   */
  private builtFor(twin: TrackedJob, job: TrackedJob): boolean {
    if (twin.state !== 'done') return false;
    if ((twin.lastInFlightAtMs ?? -Infinity) >= job.plannedAtMs) return true;
    return (
      job.firstState === 'missing_partition' &&
      twin.plannedByCube &&
      job.plannedAtMs - twin.plannedAtMs <= ADJACENT_SECOND_MS
    );
  }

  /** The most recently planned job of the same build that is in flight, or finished after `job` was planned. */
  private findTwin(job: TrackedJob): string | undefined {
    let best: TrackedJob | undefined;
    for (const token of this.builds.get(job.buildKey) ?? []) {
      const other = this.jobs.get(token);
      if (!other || other.token === job.token || other.dataSource !== job.dataSource) continue;
      if (other.plannedAtMs > job.plannedAtMs) continue;
      if (
        (isInFlightState(other.state) || this.builtFor(other, job)) &&
        (best === undefined || other.plannedAtMs > best.plannedAtMs)
      )
        best = other;
    }
    return best?.token;
  }
}

/**
 * Measuring builds and processes: a build's history, its size as Temporal stores it, its Cube requests
 * and detection latency, Cloud actions, the Temporal server's counters per namespace (heartbeats,
 * persistence writes), and a process's memory and CPU time from /proc.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { FakeCube } from '@cube-jobs/testing';
import protos, { type temporal as protoTypes } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BuildFacts, MachineInfo, Mode } from './results.js';
import { HEARTBEAT_TIMEOUT_MS, SCALE, startBuild } from './setup.js';

type HistoryEvent = protoTypes.api.history.v1.IHistoryEvent;

/** Every event of a workflow's history. */
export async function historyOf(env: TestWorkflowEnvironment, workflowId: string): Promise<HistoryEvent[]> {
  return (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** The history's size as Temporal stores it (protobuf-encoded events). */
export function historyBytes(events: readonly HistoryEvent[]): number {
  return protos.temporal.api.history.v1.History.encode({ events: [...events] }).finish().length;
}

/**
 * Temporal Cloud's billable actions a history shows: the start, each scheduled activity, timer, signal,
 * update, search-attribute upsert and child workflow, and the local activities of each workflow task
 * (one action per task, however many). Heartbeats are actions too but leave no event: count them apart.
 */
export function historyActions(events: readonly HistoryEvent[]): number {
  let actions = 0;
  const tasksWithLocalActivities = new Set<string>();
  for (const e of events) {
    if (e.markerRecordedEventAttributes) {
      tasksWithLocalActivities.add(String(e.markerRecordedEventAttributes.workflowTaskCompletedEventId));
    } else if (
      e.workflowExecutionStartedEventAttributes ||
      e.activityTaskScheduledEventAttributes ||
      e.timerStartedEventAttributes ||
      e.workflowExecutionSignaledEventAttributes ||
      e.workflowExecutionUpdateAcceptedEventAttributes ||
      e.upsertWorkflowSearchAttributesEventAttributes ||
      e.startChildWorkflowExecutionInitiatedEventAttributes
    ) {
      actions += 1;
    }
  }
  return actions + tasksWithLocalActivities.size;
}

/** Estimated actions of a build: its history's, plus ours' heartbeats at 0.8 × the heartbeat timeout. */
function estimateActions(events: readonly HistoryEvent[], waitMs: number, mode: Mode): number {
  const heartbeats = mode === 'cube-jobs' ? Math.floor(waitMs / (0.8 * HEARTBEAT_TIMEOUT_MS)) : 0;
  return historyActions(events) + heartbeats;
}

/** Persistence operations that write (the rest read). */
const PERSISTENCE_WRITE =
  /^(Create|Update|Append|Add|Delete|Complete|RangeComplete|Upsert|Set|Put|Insert|ConflictResolve)/;

/** What the Temporal server did for one namespace, from its Prometheus metrics. */
export interface NamespaceCounters {
  /** `RecordActivityTaskHeartbeat` calls the frontend received. */
  readonly heartbeats: number;
  /** Persistence writes (mutable state, history, tasks, task queues), every service. */
  readonly writes: number;
}

/** How long the server's metrics reporter may take to show a request (it reports once a second). */
const METRICS_REPORT_MS = 2000;

/**
 * Reads {@link NamespaceCounters} from the dev server's metrics endpoint (`--metrics-port`), after
 * waiting for the reporter to show the latest requests.
 */
export async function namespaceCounters(metricsUrl: string, namespace: string): Promise<NamespaceCounters> {
  await new Promise((resolve) => setTimeout(resolve, METRICS_REPORT_MS));
  const text = await (await fetch(metricsUrl)).text();
  // The Prometheus reporter writes label values with `_` for every character outside [A-Za-z0-9_].
  const label = `namespace="${namespace.replace(/\W/g, '_')}"`;
  let heartbeats = 0;
  let writes = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || !match[2]?.includes(label)) continue;
    const [, name, labels = '', value] = match;
    const operation = /operation="(\w+)"/.exec(labels)?.[1] ?? '';
    if (
      name === 'service_requests' &&
      operation === 'RecordActivityTaskHeartbeat' &&
      labels.includes('service_name="frontend"')
    )
      heartbeats += Number(value);
    if (name === 'persistence_requests' && PERSISTENCE_WRITE.test(operation)) writes += Number(value);
  }
  return { heartbeats, writes };
}

/** The requests a workflow's activities made, by their `x-request-id` (`<workflowId>:<activityId>:<attempt>-span-<n>`). */
export function requestsOf(cube: FakeCube, workflowId: string) {
  return cube.requests.filter((r) => String(r.headers['x-request-id'] ?? '').startsWith(`${workflowId}:`));
}

async function factsOf(
  env: TestWorkflowEnvironment,
  cube: FakeCube,
  workflowId: string,
  mode: Mode,
  closeMs: number,
): Promise<BuildFacts> {
  const events = await historyOf(env, workflowId);
  const mine = requestsOf(cube, workflowId);
  // Status polls go through the client's shared poller, whose requests name no workflow: the per-build
  // figures give each build a fake Cube of its own, so every get that Cube received is this build's.
  const gets = cube.requests.filter((r) => r.action === 'get');
  const postTokens = mine.find((r) => r.issuedTokens)?.issuedTokens ?? [];
  const lastDone = Math.max(...cube.jobs.filter((j) => postTokens.includes(j.token)).map((j) => j.finishesAtMs));
  const startedMs = Number(events[0]?.eventTime?.seconds ?? 0) * 1000;
  return {
    events: events.length,
    historyBytes: historyBytes(events),
    requests: mine.filter((r) => r.action === 'post').length + gets.length,
    tokensPolled: gets.reduce((n, r) => n + ((r.body as { tokens?: unknown[] }).tokens?.length ?? 0), 0),
    latencyBuildMs: (closeMs - lastDone) * SCALE,
    buildDurationMs: (lastDone - Math.min(...mine.filter((r) => r.issuedTokens).map((r) => r.atMs))) * SCALE,
    actions: estimateActions(events, (closeMs - startedMs) * SCALE, mode),
    maxAttempt: Math.max(
      ...mine.map((r) => Number(/:(\d+)-span-\d+$/.exec(String(r.headers['x-request-id']))?.[1] ?? 1)),
    ),
  };
}

/** Runs one build to its end and measures it. */
export async function runAndMeasure(
  env: TestWorkflowEnvironment,
  cube: FakeCube,
  taskQueue: string,
  mode: Mode,
  id: string,
): Promise<BuildFacts> {
  const handle = await startBuild(env.client, taskQueue, mode, id);
  await handle.result();
  const closeMs = (await handle.describe()).closeTime?.getTime() ?? Date.now();
  return factsOf(env, cube, id, mode, closeMs);
}

/** The `p`-th percentile (nearest rank) of some values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** A memory figure of a process from /proc/<pid>/status (`VmRSS` now, `VmHWM` peak), in bytes. */
export function procMemoryBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (100 Hz)
  } catch {
    return 0;
  }
}

/** The machine this run measured. */
export function machineInfo(): MachineInfo {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? 'unknown';
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  return {
    cpu,
    cores: cpuinfo.match(/^processor/gm)?.length ?? 0,
    memoryGiB: Math.round(memKb / 1024 / 1024),
    node: process.version,
  };
}

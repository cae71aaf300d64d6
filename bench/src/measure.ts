/**
 * Measuring builds and processes: a build's history, its size as Temporal stores it, its Cube requests and detection latency, estimated Cloud actions, and a process's memory
 * and CPU time from /proc.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { FakeCube } from '@cube-jobs/testing';
import protos, { type temporal as protoTypes } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BuildFacts, MachineInfo, Mode } from './results.js';
import { SCALE, startBuild } from './setup.js';

type HistoryEvent = protoTypes.api.history.v1.IHistoryEvent;

/** Every event of a workflow's history. */
export async function historyOf(env: TestWorkflowEnvironment, workflowId: string): Promise<HistoryEvent[]> {
  return (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** The history's size as Temporal stores it (protobuf-encoded events). */
export function historyBytes(events: readonly HistoryEvent[]): number {
  return protos.temporal.api.history.v1.History.encode({ events: [...events] }).finish().length;
}

/** Temporal Cloud billable actions, estimated from history: starts, activities, timers, local-activity markers, plus heartbeats. */
function estimateActions(events: readonly HistoryEvent[], waitMs: number, mode: Mode): number {
  let actions = 0;
  for (const e of events) {
    if (
      e.workflowExecutionStartedEventAttributes ||
      e.activityTaskScheduledEventAttributes ||
      e.timerStartedEventAttributes ||
      e.markerRecordedEventAttributes
    ) {
      actions += 1;
    }
  }
  // A heartbeat that reaches the server is an action; the worker throttles them to 0.8 × heartbeatTimeout (30 s).
  if (mode === 'cube-jobs') actions += Math.floor(waitMs / 24_000);
  return actions;
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
  const handle = await startBuild(env, taskQueue, mode, id);
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

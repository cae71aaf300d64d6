/**
 * Waits that go on after their activity returned (Temporal's asynchronous activity completion).
 *
 * A wait lasts as long as its build, minutes to hours, and does nothing but read statuses through the
 * client's shared poller. Held as a running activity, each one also holds an activity slot and the
 * SDK's per-activity state (about 30 KiB of heap, measured: a worker cannot hold 5,000 of them within
 * 512 MiB). Detached, a wait is the poll loop and a heartbeat timer: the activity tells Temporal it
 * completes asynchronously, and the wait reports through the worker's client, by task token:
 *
 * - it heartbeats its latest progress at the same cadence, and learns of a cancellation (or that the
 *   activity is gone) from the heartbeat's answer, as a running activity does;
 * - it completes or fails the activity when it ends;
 * - {@link DetachedWaits.handOver}, when the worker stops, fails each attempt as retryable after a last
 *   heartbeat, so Temporal retries it at once on another worker, which resumes from that progress.
 *
 * A killed worker's waits are retried after the heartbeat timeout, as before.
 *
 * @module
 */
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, type Logger } from '@temporalio/common';
import type { WaitForPreAggregationJobsResult, WaitHeartbeatDetails } from './types.js';

/** The failure type of an attempt a stopping worker gave up (retried at once elsewhere). */
const WORKER_STOPPED_FAILURE_TYPE = 'CubeJobsWorkerStopped';

/** What a wait reports to and reads from whoever hosts it (the running activity, or a detached wait). */
export interface WaitHost {
  /** Aborted when the wait must stop (cancelled, gone, handed over). */
  readonly signal: AbortSignal;
  /** Keeps the wait's latest progress; the host heartbeats it at its cadence. */
  progress(details: WaitHeartbeatDetails): void;
}

/** How a detached wait ends besides its own result. */
type Ending = 'cancelled' | 'gone' | 'handed-over';

interface DetachedWait {
  readonly taskToken: Uint8Array;
  readonly controller: AbortController;
  latest: WaitHeartbeatDetails | undefined;
  ending: Ending | undefined;
  /** Settles once Temporal has been told how the wait ended. */
  done: Promise<void>;
}

/** Completion calls tried again after a failure (the server unreachable), 1 s doubling; then the heartbeat timeout moves the wait. */
const REPORT_ATTEMPTS = 4;

/** The detached waits of one set of activities. */
export interface DetachedWaits {
  /**
   * Runs `run` detached from its activity: heartbeats through `temporal` every `cadenceMs`, then
   * completes or fails the activity of `taskToken` (failures through `toFailure`). Call it from the
   * activity, then throw `CompleteAsyncError`.
   */
  start(options: {
    readonly temporal: Context['client'];
    readonly taskToken: Uint8Array;
    readonly resumed: WaitHeartbeatDetails | undefined;
    readonly cadenceMs: number;
    readonly log: Logger;
    readonly toFailure: (error: unknown) => ApplicationFailure;
    readonly run: (host: WaitHost) => Promise<WaitForPreAggregationJobsResult>;
  }): void;
  /** Hands every wait over to other workers; resolves once Temporal has been told, with how many. */
  handOver(): Promise<number>;
}

/** Whether `error` is the client's error of that name (the client's error classes match by name). */
function isClientError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** Creates the registry of detached waits that one `createCubeJobsActivities` call starts. */
export function createDetachedWaits(): DetachedWaits {
  const waits = new Set<DetachedWait>();

  /** Calls `report` until it succeeds, the activity is gone, or the attempts are spent. */
  const reportWith = async (log: Logger, what: string, report: () => Promise<void>): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await report();
        return;
      } catch (error) {
        if (isClientError(error, 'ActivityNotFoundError')) return;
        if (attempt >= REPORT_ATTEMPTS) {
          // The heartbeat timeout then retries the wait on a worker that can reach the server.
          log.warn(`Could not tell Temporal that the wait ${what}`, { error: String(error) });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
      }
    }
  };

  return {
    start({ temporal, taskToken, resumed, cadenceMs, log, toFailure, run }) {
      const wait: DetachedWait = {
        taskToken,
        controller: new AbortController(),
        latest: resumed,
        ending: undefined,
        done: Promise.resolve(),
      };
      const activity = temporal.activity;
      const stop = (ending: Ending) => {
        wait.ending ??= ending;
        wait.controller.abort(new Error(`The wait was ${ending}`));
      };
      const heartbeat = async () => {
        try {
          await activity.heartbeat(taskToken, wait.latest);
        } catch (error) {
          if (isClientError(error, 'ActivityCancelledError')) stop('cancelled');
          // Paused or reset: give the attempt up, as a stopping worker does; the server retries it when it may.
          else if (isClientError(error, 'ActivityPausedError') || isClientError(error, 'ActivityResetError'))
            stop('handed-over');
          else if (isClientError(error, 'ActivityNotFoundError')) stop('gone');
          else log.warn('Heartbeating a wait failed; trying again at the next heartbeat', { error: String(error) });
        }
      };
      const ticker = setInterval(() => void heartbeat(), cadenceMs);
      const end = async (outcome: PromiseSettledResult<WaitForPreAggregationJobsResult>): Promise<void> => {
        clearInterval(ticker);
        if (outcome.status === 'fulfilled') {
          return reportWith(log, 'ended', () => activity.complete(taskToken, outcome.value));
        }
        switch (wait.ending) {
          case 'gone':
            return;
          case 'cancelled':
            return reportWith(log, 'was cancelled', () => activity.reportCancellation(taskToken));
          case 'handed-over':
            return reportWith(log, 'was handed over', async () => {
              // The next attempt resumes from the latest progress, not the last cadence's.
              await activity.heartbeat(taskToken, wait.latest).catch(() => undefined);
              await activity.fail(
                taskToken,
                ApplicationFailure.retryable(
                  'The worker stopped; another worker resumes the wait',
                  WORKER_STOPPED_FAILURE_TYPE,
                ),
              );
            });
          default:
            return reportWith(log, 'failed', () => activity.fail(taskToken, toFailure(outcome.reason)));
        }
      };
      waits.add(wait);
      wait.done = run({ signal: wait.controller.signal, progress: (details) => (wait.latest = details) })
        .then(
          (value) => end({ status: 'fulfilled', value }),
          (reason: unknown) => end({ status: 'rejected', reason }),
        )
        .finally(() => waits.delete(wait));
    },

    async handOver() {
      const handed = [...waits];
      for (const wait of handed) {
        wait.ending ??= 'handed-over';
        wait.controller.abort(new Error('The worker stopped'));
      }
      await Promise.all(handed.map((wait) => wait.done));
      return handed.length;
    },
  };
}

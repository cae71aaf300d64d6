/**
 * `refreshPreAggregations`: one long-lived workflow per selector that serves "my data changed, make the
 * pre-aggregations fresh and tell me when". Callers send the `requestRefresh` update (with
 * update-with-start, see `requestRefresh` in the package root); requests that arrive while a build runs
 * are coalesced into at most one follow-up build. The update answers at once with the build that will
 * start after the request (its workflow id); the caller then waits for that build's result.
 *
 * Each build is a `buildPreAggregations` child (trigger once, durable wait). The workflow continues as
 * new after `maxBuildsPerRun` builds or when the server suggests it, and ends after `idleTimeout` without
 * a request (the next request starts it again).
 *
 * Workflow-safe: imports `@temporalio/workflow` and this package's workflow-safe modules only.
 *
 * @module
 */
import type { PreAggregationSelector } from '@cube-jobs/core/protocol';
import type { Duration } from '@temporalio/common';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  executeChild,
  isCancellation,
  log,
  setHandler,
  setWorkflowOptions,
  workflowInfo,
} from '@temporalio/workflow';
import { buildPreAggregations, buildVersioning } from './build-workflow.js';
import { describeSelector } from './summaries.js';
import type { BuildPolicy, BuildPreAggregationsInput, BuildWaitOptions } from './types.js';

/** Input of {@link refreshPreAggregations}. */
export interface RefreshPreAggregationsInput {
  /** What every build rebuilds (recorded in history: no secrets in security contexts). */
  readonly selector: PreAggregationSelector;
  /** How each build waits. */
  readonly wait?: BuildWaitOptions;
  /** What each build does when jobs do not succeed. */
  readonly policy?: BuildPolicy;
  /** Whether each build proves its partitions are served (see `BuildPreAggregationsInput.verify`). */
  readonly verify?: BuildPreAggregationsInput['verify'];
  /** End the workflow after this long without a request. @default '1 day' */
  readonly idleTimeout?: Duration;
  /** Continue as new after this many builds (history stays small). @default 50 */
  readonly maxBuildsPerRun?: number;
  /** State carried into the next run by continue-as-new; leave it unset. */
  readonly resume?: RefreshState;
}

/** Counters carried across runs. */
export interface RefreshState {
  /** Requests received so far (request numbers are 1, 2, …). */
  readonly requested: number;
  /** Requests covered by a build that has finished (every request up to this number). */
  readonly covered: number;
  /** Builds started so far. */
  readonly builds: number;
}

/** What the `requestRefresh` update answers at once: the build that will start after this request. */
export interface RefreshTicket {
  /** The caller's request number. */
  readonly request: number;
  /** The number of the build that covers it (1 = the workflow's first build). */
  readonly build: number;
  /** That build's `buildPreAggregations` workflow id (a child of the refresh workflow). */
  readonly buildWorkflowId: string;
}

/** What a `requestRefresh` caller gets once its build succeeded. */
export interface RefreshOutcome extends RefreshTicket {
  readonly outcome: 'succeeded';
  /** Jobs the build ran. */
  readonly jobs: number;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** What `getRefreshState` reports. */
export interface RefreshStatus extends RefreshState {
  /** Whether a build runs now. */
  readonly building: boolean;
}

/**
 * Update: ask for a build that starts after this request. Answers at once with the build that will (the
 * server allows only a few updates in flight per workflow, so callers wait for the build itself).
 */
export const requestRefreshUpdate = defineUpdate<RefreshTicket>('requestRefresh');

/** Query: request and build counters. */
export const getRefreshState = defineQuery<RefreshStatus>('getRefreshState');

/**
 * The workflow id of a refresh workflow's `build`-th build. It includes the first run's id, so a refresh
 * workflow that ended and started again never reuses an id a caller may be waiting on.
 */
export function refreshBuildWorkflowId(refreshWorkflowId: string, firstRunId: string, build: number): string {
  return `${refreshWorkflowId}/${firstRunId.slice(0, 8)}/build-${build}`;
}

/** Serves refresh requests for one selector; see the module's description. */
export async function refreshPreAggregations(input: RefreshPreAggregationsInput): Promise<RefreshState> {
  let { requested, covered, builds } = input.resume ?? { requested: 0, covered: 0, builds: 0 };
  const buildsAtStart = builds;
  let building = false;
  const buildIdOf = (build: number) =>
    refreshBuildWorkflowId(workflowInfo().workflowId, workflowInfo().firstExecutionRunId, build);

  setHandler(getRefreshState, () => ({ requested, covered, builds, building }));
  setHandler(requestRefreshUpdate, () => {
    requested += 1;
    // A build running now started before this request: the next one covers it.
    return { request: requested, build: builds + 1, buildWorkflowId: buildIdOf(builds + 1) };
  });

  const maxBuildsPerRun = input.maxBuildsPerRun ?? 50;
  for (;;) {
    const pending = await condition(() => requested > covered, input.idleTimeout ?? '1 day');
    if (!pending) break;
    // Every request received before this build starts is covered by it.
    const covers = requested;
    builds += 1;
    building = true;
    try {
      await executeChild(buildPreAggregations, {
        workflowId: buildIdOf(builds),
        staticSummary: `refresh build ${builds}: ${describeSelector(input.selector)}`,
        args: [
          {
            selector: input.selector,
            ...(input.wait ? { wait: input.wait } : {}),
            ...(input.policy ? { policy: input.policy } : {}),
            ...(input.verify === undefined ? {} : { verify: input.verify }),
          },
        ],
      });
    } catch (error) {
      // Callers read the build's own outcome; the refresh workflow goes on serving requests.
      if (isCancellation(error)) throw error;
      log.warn('Refresh build failed', {
        build: builds,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    building = false;
    covered = covers;
    // Requests not covered yet go on to the next run, whose first build covers them: a steady stream of
    // requests (one always pending when a build ends) must not keep one run, and its history, growing.
    if (builds - buildsAtStart >= maxBuildsPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof refreshPreAggregations>({ ...input, resume: { requested, covered, builds } });
    }
  }
  await condition(allHandlersFinished);
  return { requested, covered, builds };
}

// Like the build it starts, a refresh workflow moves to the current deployment version on a versioned worker.
setWorkflowOptions(buildVersioning, refreshPreAggregations);

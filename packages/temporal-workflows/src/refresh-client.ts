/**
 * `requestRefresh`: "my data changed: make these pre-aggregations fresh and tell me when". Node side.
 *
 * @module
 */
import { parseSelector, type PreAggregationSelectorInput } from '@cube-jobs/core/protocol';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { refreshPreAggregations, requestRefreshUpdate, type RefreshOutcome, type RefreshTicket } from './refresh.js';
import type { buildPreAggregations } from './build-workflow.js';
import {
  CUBE_JOBS_TASK_QUEUE,
  type BuildPolicy,
  type BuildPreAggregationsInput,
  type BuildWaitOptions,
} from './types.js';
import { describeSelector } from './summaries.js';
import { buildWorkflowId } from './workflow-id.js';

/** Options of {@link requestRefresh}. */
export interface RequestRefreshOptions {
  /** @default {@link CUBE_JOBS_TASK_QUEUE} */
  readonly taskQueue?: string;
  /** Names the Cube deployment in the workflow id. @default 'default' */
  readonly deployment?: string;
  /** The refresh workflow's id. @default `cube-preagg-refresh:<deployment>:<hash of the selector>` */
  readonly workflowId?: string;
  /** How builds wait (used when this request starts the workflow). */
  readonly wait?: BuildWaitOptions;
  /** What builds do when jobs fail (used when this request starts the workflow). */
  readonly policy?: BuildPolicy;
  /** Whether builds prove their partitions are served (used when this request starts the workflow). */
  readonly verify?: BuildPreAggregationsInput['verify'];
  /** How long the workflow stays without requests before it ends. @default '1 day' */
  readonly idleTimeout?: Duration;
  /** Builds per run before the refresh workflow continues as new (used when this request starts it). @default 50 */
  readonly maxBuildsPerRun?: number;
  /** How often to look again while the caller's build has not started yet. @default 500 */
  readonly startCheckIntervalMs?: number;
}

/** The id of a selector's refresh workflow: `cube-preagg-refresh:<deployment>:<hash>`. */
export function refreshWorkflowId(
  selector: PreAggregationSelectorInput,
  options: { deployment?: string } = {},
): string {
  return buildWorkflowId(selector, { ...options, prefix: 'cube-preagg-refresh' });
}

/** A request's ticket, and the refresh workflow that issued it. */
export interface SentRefreshRequest extends RefreshTicket {
  /** The refresh workflow's id. */
  readonly refreshWorkflowId: string;
}

/**
 * Sends a refresh request to the selector's refresh workflow (started if it is not running, with
 * update-with-start) and returns at once with the build that will start after it. Wait for that build
 * with {@link waitForRefresh}, or use {@link requestRefresh}, which does both.
 */
export async function sendRefreshRequest(
  client: Client,
  selector: PreAggregationSelectorInput,
  options: RequestRefreshOptions = {},
): Promise<SentRefreshRequest> {
  const parsed = parseSelector(selector);
  const workflowId = options.workflowId ?? refreshWorkflowId(parsed, { deployment: options.deployment ?? 'default' });
  const start = new WithStartWorkflowOperation(refreshPreAggregations, {
    workflowId,
    taskQueue: options.taskQueue ?? CUBE_JOBS_TASK_QUEUE,
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `refresh on request: ${describeSelector(parsed)}`,
    memo: { selector: describeSelector(parsed) },
    args: [
      {
        selector: parsed,
        ...(options.wait ? { wait: options.wait } : {}),
        ...(options.policy ? { policy: options.policy } : {}),
        ...(options.verify === undefined ? {} : { verify: options.verify }),
        ...(options.idleTimeout ? { idleTimeout: options.idleTimeout } : {}),
        ...(options.maxBuildsPerRun ? { maxBuildsPerRun: options.maxBuildsPerRun } : {}),
      },
    ],
  });
  const ticket = await client.workflow.executeUpdateWithStart(requestRefreshUpdate, { startWorkflowOperation: start });
  return { ...ticket, refreshWorkflowId: workflowId };
}

/**
 * Waits for a request's build and returns its summary; rejects with its failure (`WorkflowFailedError`
 * whose `cause` is the build's typed `ApplicationFailure`). The build starts once the one before it has
 * finished; until then its workflow does not exist, and the refresh workflow must still run to start it.
 */
export async function waitForRefresh(
  client: Client,
  sent: SentRefreshRequest,
  options: Pick<RequestRefreshOptions, 'startCheckIntervalMs'> = {},
): Promise<RefreshOutcome> {
  const { refreshWorkflowId: refreshId, ...ticket } = sent;
  for (;;) {
    try {
      const result = await client.workflow.getHandle<typeof buildPreAggregations>(ticket.buildWorkflowId).result();
      return {
        ...ticket,
        outcome: 'succeeded',
        jobs: result.jobs.length,
        startedAt: result.startedAt,
        finishedAt: result.finishedAt,
      };
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    const refresh = await client.workflow.getHandle(refreshId).describe();
    if (refresh.status.name !== 'RUNNING') {
      throw new Error(
        `The refresh workflow ${refreshId} ended (${refresh.status.name}) before build ${ticket.build} (${ticket.buildWorkflowId}) started`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.startCheckIntervalMs ?? 500));
  }
}

/**
 * "My data changed: make these pre-aggregations fresh and tell me when." Sends a request to the
 * selector's refresh workflow and resolves once a build that started after this call has succeeded;
 * rejects with that build's failure (`WorkflowFailedError` whose `cause` is its typed
 * `ApplicationFailure`, e.g. `PreAggregationBuildFailedError`). Concurrent requests share builds: while
 * one build runs, every request that arrives waits for one follow-up build.
 *
 * @example
 * ```ts
 * // at the end of the ETL job that loaded orders:
 * await requestRefresh(client, { contexts: [{ securityContext: {} }], timezones: ['UTC'], cubes: ['orders'] });
 * ```
 */
export async function requestRefresh(
  client: Client,
  selector: PreAggregationSelectorInput,
  options: RequestRefreshOptions = {},
): Promise<RefreshOutcome> {
  return waitForRefresh(client, await sendRefreshRequest(client, selector, options), options);
}

/**
 * The handlers of the `cube-jobs` Nexus service (Node side), registered on the worker by
 * `cubeJobsPlugin({ client, nexus: true })`. Each operation is backed by the build workflow, so a caller
 * receives the build's result or its typed failure however long the build takes:
 *
 * - invalid input: a `BAD_REQUEST` handler error naming each bad field, before anything starts;
 * - a failed build: the operation fails with the build's `ApplicationFailure`
 *   (`PreAggregationBuildFailedError` with the failed jobs in its details, `PreAggregationWaitTimeoutError`);
 * - Cube unreachable or refusing the credentials: the operation fails with the build's
 *   `ApplicationFailure` of that type (`CubeJobsConnectionError`, `CubeJobsAuthError`, …).
 *
 * @module
 */
import { CubeJobsValidationError } from '@cube-jobs/core/protocol';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import {
  getClient,
  operationInfo,
  startWorkflow,
  TemporalOperationHandler,
  TemporalOperationResult,
  WorkflowRunOperationHandler,
} from '@temporalio/nexus';
import * as nexus from 'nexus-rpc';
import { buildPreAggregations } from './build-workflow.js';
import { resolveBuildInput } from './input.js';
import { cubeJobsNexusService } from './nexus-service.js';
import { sendRefreshRequest } from './refresh-client.js';
import { describeSelector } from './summaries.js';
import type { BuildPreAggregationsInput } from './types.js';
import { buildWorkflowId } from './workflow-id.js';

/** Options of the service's handlers (the plugin's `nexus` option). */
interface CubeJobsNexusOptions {
  /** Names the Cube deployment in the builds' workflow ids (as `buildWorkflowId` does). @default 'default' */
  readonly deployment?: string | undefined;
}

/** The input, validated as the workflow would; an invalid one is the caller's error, not a retry. */
function validInput(input: BuildPreAggregationsInput): BuildPreAggregationsInput {
  try {
    resolveBuildInput(input);
    return input;
  } catch (error) {
    if (error instanceof CubeJobsValidationError) {
      throw new nexus.HandlerError('BAD_REQUEST', error.message, { cause: error, retryableOverride: false });
    }
    throw error;
  }
}

/** Creates the handlers of {@link cubeJobsNexusService}, starting builds on the worker's task queue. */
export function cubeJobsNexusServiceHandler(options: CubeJobsNexusOptions = {}) {
  const deployment = options.deployment ?? 'default';
  return nexus.serviceHandler(cubeJobsNexusService, {
    buildPreAggregations: new WorkflowRunOperationHandler(async (ctx, input) => {
      const valid = validInput(input);
      return startWorkflow(ctx, buildPreAggregations, {
        workflowId: buildWorkflowId(valid.selector, { deployment }),
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `build on a Nexus request: ${describeSelector(valid.selector)}`,
        memo: { selector: describeSelector(valid.selector) },
        args: [valid],
      });
    }),

    requestRefresh: new TemporalOperationHandler({
      start: async (_ctx, temporal, input) => {
        const valid = validInput(input);
        const client = getClient();
        const { taskQueue } = operationInfo();
        const ticket = await sendRefreshRequest(client, valid.selector, {
          taskQueue,
          deployment,
          ...(valid.wait ? { wait: valid.wait } : {}),
          ...(valid.policy ? { policy: valid.policy } : {}),
          ...(valid.verify === undefined ? {} : { verify: valid.verify }),
        });
        // The build that covers this request starts once the running one (if any) ends: until then the
        // request is retried by the server (a retryable handler error), and then attaches to that build.
        try {
          await client.workflow.getHandle(ticket.buildWorkflowId).describe();
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          throw new nexus.HandlerError(
            'UNAVAILABLE',
            `The build covering this refresh request (${ticket.buildWorkflowId}) starts when the running one ends`,
            { retryableOverride: true },
          );
        }
        try {
          return await temporal.startWorkflow(buildPreAggregations, {
            workflowId: ticket.buildWorkflowId,
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [valid],
          });
        } catch (error) {
          // It already ended: its result is the answer.
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          const handle = client.workflow.getHandle<typeof buildPreAggregations>(ticket.buildWorkflowId);
          return TemporalOperationResult.sync(await handle.result());
        }
      },
    }),
  });
}

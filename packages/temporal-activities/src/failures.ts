/**
 * Turning core errors into `ApplicationFailure`s a workflow can branch on: `type` is the error's `name`,
 * `nonRetryable` mirrors `retryable`, details are redacted plain data.
 *
 * @module
 */
import {
  CubeJobsApiError,
  CubeJobsError,
  CubeJobsRateLimitError,
  CubeJobsValidationError,
  PreAggregationBuildFailedError,
  PreAggregationWaitTimeoutError,
} from '@cube-jobs/core';
import { ApplicationFailure } from '@temporalio/common';

/** Plain, redacted facts about an error, safe to store in history. */
function detailsOf(error: CubeJobsError): Record<string, unknown> {
  if (error instanceof CubeJobsApiError) {
    return { status: error.status, cubeMessage: error.cubeMessage, requestId: error.request.requestId };
  }
  if (error instanceof CubeJobsValidationError) return { issues: error.issues };
  if (error instanceof PreAggregationBuildFailedError)
    return { failedJobs: error.failedJobs.map(({ token, raw, table }) => ({ token, status: raw, table })) };
  if (error instanceof PreAggregationWaitTimeoutError) return { pendingTokens: error.pendingJobs.map((j) => j.token) };
  return {};
}

/**
 * Converts anything an activity caught into an `ApplicationFailure`. Core errors keep their `name` as
 * the failure `type` and their retryability; a 429's `Retry-After` becomes `nextRetryDelay`. The
 * message was already redacted by the client; other errors pass through `redact`.
 */
export function toApplicationFailure(error: unknown, redact: (text: string) => string = (t) => t): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof CubeJobsError) {
    return ApplicationFailure.create({
      message: redact(error.message),
      type: error.name,
      nonRetryable: !error.retryable,
      details: [detailsOf(error)],
      ...(error instanceof CubeJobsRateLimitError && error.retryAfterMs !== undefined
        ? { nextRetryDelay: error.retryAfterMs }
        : {}),
    });
  }
  const plain = error instanceof Error ? error : new Error(String(error));
  return ApplicationFailure.create({ message: redact(plain.message), type: plain.name, nonRetryable: false });
}

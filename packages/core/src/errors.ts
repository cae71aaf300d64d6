/**
 * The error hierarchy of `@cube-jobs/core`.
 *
 * Every class sets `name` explicitly, from {@link ERROR_NAMES}: Temporal turns an error's `name` into the
 * `type` of the `ApplicationFailure` a workflow sees, so these names are part of the public contract.
 * This module has no Node imports, so workflow code may import it through `@cube-jobs/core/protocol`.
 *
 * @module
 */
import { formatJobList, type JobStatus } from './job.js';

/**
 * The `name` of every error class (and of the build's verification failure, which has none), which Temporal turns into the `type` of an activity's
 * `ApplicationFailure`: workflows and retry policies match on these strings, so they are defined once.
 */
export const ERROR_NAMES = {
  root: 'CubeJobsError',
  validation: 'CubeJobsValidationError',
  config: 'CubeJobsConfigError',
  selector: 'CubeJobsSelectorError',
  api: 'CubeJobsApiError',
  badRequest: 'CubeJobsBadRequestError',
  auth: 'CubeJobsAuthError',
  missingScope: 'CubeJobsMissingScopeError',
  rateLimit: 'CubeJobsRateLimitError',
  server: 'CubeJobsServerError',
  connection: 'CubeJobsConnectionError',
  timeout: 'CubeJobsTimeoutError',
  abort: 'CubeJobsAbortError',
  continueWait: 'CubeJobsContinueWaitError',
  protocol: 'CubeJobsProtocolError',
  unsupported: 'CubeJobsUnsupportedError',
  buildFailed: 'PreAggregationBuildFailedError',
  waitTimeout: 'PreAggregationWaitTimeoutError',
  /**
   * A build's failure when Cube does not serve partitions its jobs called `done` (a workflow failure type:
   * core's `verifyJobs` returns verdicts instead of throwing, so no class has this name).
   */
  verificationFailed: 'PreAggregationVerificationError',
} as const;

/** The name of one of this library's error classes. */
export type CubeJobsErrorName = (typeof ERROR_NAMES)[keyof typeof ERROR_NAMES];

/** One problem found while validating input: where it is and what was expected. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `selector.timezones[0]`. */
  readonly path: string;
  /** What was wrong and what was expected. */
  readonly message: string;
}

/** Root of every error thrown by `@cube-jobs/core`. Never thrown directly. */
export class CubeJobsError extends Error {
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean;

  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ERROR_NAMES.root;
    this.retryable = options.retryable;
  }
}

function formatIssues(subject: string, issues: readonly ValidationIssue[]): string {
  const lines = issues.map((issue) => `${issue.path}: ${issue.message}`);
  return `Invalid ${subject}: ${lines.join('; ')}`;
}

/** Thrown when input fails local validation; no request was sent. */
export class CubeJobsValidationError extends CubeJobsError {
  /** Every problem found, each naming its field. */
  readonly issues: readonly ValidationIssue[];

  constructor(subject: string, issues: readonly ValidationIssue[]) {
    super(formatIssues(subject, issues), { retryable: false });
    this.name = ERROR_NAMES.validation;
    this.issues = issues;
  }
}

/** Thrown when client options or environment configuration are invalid. Not exported: callers catch {@link CubeJobsValidationError} and read `name`. */
export class CubeJobsConfigError extends CubeJobsValidationError {
  constructor(issues: readonly ValidationIssue[], subject = 'Cube jobs client options') {
    super(subject, issues);
    this.name = ERROR_NAMES.config;
  }
}

/** Thrown when a pre-aggregation selector or a token list is invalid, before any request is sent. Not exported, as {@link CubeJobsConfigError}. */
export class CubeJobsSelectorError extends CubeJobsValidationError {
  constructor(issues: readonly ValidationIssue[], subject = 'pre-aggregation selector') {
    super(subject, issues);
    this.name = ERROR_NAMES.selector;
  }
}

/** Where a failed request went; credentials are never part of it. */
export interface RequestSummary {
  /** Cube action: `post` or `get` (the jobs endpoint), `load` or `meta` (a verification's query and model). */
  readonly action: 'post' | 'get' | 'load' | 'meta';
  /** The endpoint URL (without credentials). */
  readonly url: string;
  /** The `x-request-id` of the failing attempt. */
  readonly requestId: string;
  /** Attempt number, starting at 1. */
  readonly attempt: number;
}

/** Thrown when Cube answers with a non-2xx HTTP status. */
export class CubeJobsApiError extends CubeJobsError {
  /** HTTP status code. */
  readonly status: number;
  /** Cube's `error` text, verbatim (redacted), if the body had one. */
  readonly cubeMessage: string | undefined;
  /** The parsed response body (redacted); a string when it was not JSON. */
  readonly body: unknown;
  /** The request that failed. */
  readonly request: RequestSummary;

  constructor(
    message: string,
    details: { status: number; cubeMessage: string | undefined; body: unknown; request: RequestSummary },
    retryable: boolean,
  ) {
    super(message, { retryable });
    this.name = ERROR_NAMES.api;
    this.status = details.status;
    this.cubeMessage = details.cubeMessage;
    this.body = details.body;
    this.request = details.request;
  }
}

/** Thrown when Cube answers 400: a malformed request or a selector that matches nothing. Cube's text is kept. */
export class CubeJobsBadRequestError extends CubeJobsApiError {
  override name: string = ERROR_NAMES.badRequest;
}

/** Thrown when Cube rejects the credentials (401/403: header missing, invalid or expired token). */
export class CubeJobsAuthError extends CubeJobsApiError {
  override name: string = ERROR_NAMES.auth;
}

/** Thrown when the token is valid but lacks the `jobs` API scope (`API scope is missing: jobs`). */
export class CubeJobsMissingScopeError extends CubeJobsAuthError {
  override name: string = ERROR_NAMES.missingScope;
}

/** Thrown when Cube (or a proxy in front of it) answers 429. */
export class CubeJobsRateLimitError extends CubeJobsApiError {
  /** Delay asked for by `Retry-After`, if any. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: ConstructorParameters<typeof CubeJobsApiError>[1] & { retryAfterMs: number | undefined },
  ) {
    super(message, details, true);
    this.name = ERROR_NAMES.rateLimit;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Thrown when Cube answers with a 5xx status. */
export class CubeJobsServerError extends CubeJobsApiError {
  constructor(message: string, details: ConstructorParameters<typeof CubeJobsApiError>[1]) {
    super(message, details, true);
    this.name = ERROR_NAMES.server;
  }
}

/** Thrown when no HTTP response arrived (connection refused or reset, DNS failure). */
export class CubeJobsConnectionError extends CubeJobsError {
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: true, cause });
    this.name = ERROR_NAMES.connection;
  }
}

/** Thrown when one attempt took longer than `timeoutMs`. */
export class CubeJobsTimeoutError extends CubeJobsConnectionError {
  constructor(message: string) {
    super(message);
    this.name = ERROR_NAMES.timeout;
  }
}

/** Thrown when the caller's `AbortSignal` aborted the call. Never retried. */
export class CubeJobsAbortError extends CubeJobsError {
  constructor(message = 'The Cube jobs call was aborted by the caller', cause?: unknown) {
    super(message, { retryable: false, cause });
    this.name = ERROR_NAMES.abort;
  }
}

/** Thrown when Cube kept answering `{"error":"Continue wait"}` after every retry (a retryable {@link CubeJobsError}; not exported). */
export class CubeJobsContinueWaitError extends CubeJobsError {
  constructor(message: string) {
    super(message, { retryable: true });
    this.name = ERROR_NAMES.continueWait;
  }
}

/**
 * Thrown before a request that this Cube release would misread, e.g. a `dateRange` selector sent to a
 * release that ignores `dateRange` and would rebuild every partition instead. Never retryable.
 */
export class CubeJobsUnsupportedError extends CubeJobsError {
  /** The selector field or feature this Cube lacks. */
  readonly feature: string;

  constructor(message: string, feature: string) {
    super(message, { retryable: false });
    this.name = ERROR_NAMES.unsupported;
    this.feature = feature;
  }
}

/** Thrown when a 2xx answer does not have the shape the protocol promises. */
export class CubeJobsProtocolError extends CubeJobsError {
  /** The offending body (redacted). */
  readonly body: unknown;

  constructor(message: string, body: unknown) {
    super(message, { retryable: false });
    this.name = ERROR_NAMES.protocol;
    this.body = body;
  }
}

/** Names each job by its table, else its pre-aggregation, else its token, as {@link formatJobList} lists it. */
function describeJobs(jobs: readonly JobStatus[]): string {
  return formatJobList(
    jobs.map((job) => ({
      name: job.table ?? job.selector?.preAggregations?.[0] ?? `token ${job.token}`,
      status: job.raw,
    })),
  );
}

/** Thrown when one or more jobs ended in failure; `failedJobs` holds every failed job, not only the first. */
export class PreAggregationBuildFailedError extends CubeJobsError {
  /** Every job that failed, with its status and table. */
  readonly failedJobs: readonly JobStatus[];

  constructor(failedJobs: readonly JobStatus[]) {
    const count = failedJobs.length;
    super(`${count} pre-aggregation job${count === 1 ? '' : 's'} failed: ${describeJobs(failedJobs)}`, {
      retryable: false,
    });
    this.name = ERROR_NAMES.buildFailed;
    this.failedJobs = failedJobs;
  }
}

/** Thrown when jobs were still unfinished at the wait deadline. */
export class PreAggregationWaitTimeoutError extends CubeJobsError {
  /** The jobs that had not finished. */
  readonly pendingJobs: readonly JobStatus[];

  constructor(deadlineMs: number, pendingJobs: readonly JobStatus[]) {
    super(
      `${pendingJobs.length} pre-aggregation job(s) still unfinished after ${deadlineMs} ms: ${describeJobs(pendingJobs)}`,
      { retryable: false },
    );
    this.name = ERROR_NAMES.waitTimeout;
    this.pendingJobs = pendingJobs;
  }
}

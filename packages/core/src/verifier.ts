/**
 * The client's `verifyJobs`: reads the jobs' statuses, the model's pre-aggregations once per security
 * context, then one query per `done` job, under that job's security context. What each answer means is
 * judged in `verify.ts`.
 *
 * @module
 */
import { CubeJobsBadRequestError } from './errors.js';
import type { JobStatus } from './job.js';
import {
  judgeAnswer,
  preAggregationDefinitions,
  unverified,
  verificationQuery,
  type PartitionVerification,
  type PreAggregationDefinition,
} from './verify.js';

/** Options of `CubeJobsClient.verifyJobs`. */
export interface VerifyJobsOptions {
  /** Fewest rows each partition must have (for partitions that must not be empty). @default 0 */
  readonly minRows?: number | undefined;
  /** Aborts the verification. */
  readonly signal?: AbortSignal | undefined;
}

/** What the verifier needs from the client. */
export interface VerifierDeps {
  /** One `get` of the tokens' statuses. */
  readStatuses(tokens: readonly string[], signal: AbortSignal | undefined): Promise<JobStatus[]>;
  /** `GET /v1/meta?extended` under a security context. */
  meta(securityContext: unknown, signal: AbortSignal | undefined): Promise<unknown>;
  /** `POST /v1/load` of a query, bypassing Cube's result cache, under a security context. */
  load(query: object, securityContext: unknown, signal: AbortSignal | undefined): Promise<unknown>;
}

/** Queries sent at once. */
const CONCURRENT_QUERIES = 4;

/** Verifies the jobs of `tokens`, one verification per token in order. */
export async function verifyJobs(
  deps: VerifierDeps,
  tokens: readonly string[],
  { minRows = 0, signal }: VerifyJobsOptions = {},
): Promise<PartitionVerification[]> {
  const jobs = await deps.readStatuses(tokens, signal);
  const models = new Map<string, Promise<Map<string, PreAggregationDefinition>>>();
  const modelFor = (securityContext: unknown) => {
    const key = JSON.stringify(securityContext ?? {});
    let model = models.get(key);
    if (!model) {
      model = deps.meta(securityContext, signal).then(preAggregationDefinitions);
      models.set(key, model);
    }
    return model;
  };

  const verifyOne = async (job: JobStatus): Promise<PartitionVerification> => {
    if (job.state !== 'done') return unverified(job, 'unchecked', `the job is not done (${job.raw})`);
    const securityContext = job.selector?.contexts?.[0]?.securityContext;
    const preAggregation = job.selector?.preAggregations?.[0];
    const definition = preAggregation === undefined ? undefined : (await modelFor(securityContext)).get(preAggregation);
    if (definition === undefined) {
      return unverified(job, 'unchecked', `Cube's model has no pre-aggregation ${preAggregation ?? '(unnamed)'}`);
    }
    const planned = verificationQuery(job, definition, minRows);
    if ('problem' in planned) return unverified(job, 'unchecked', planned.problem);
    try {
      const answer = await deps.load(planned.query, securityContext, signal);
      return judgeAnswer(job, answer, minRows, planned.dateRange);
    } catch (error) {
      // Cube refuses a query over a table it lists but cannot read (dropped): the partition is not served.
      if (!(error instanceof CubeJobsBadRequestError) || error.retryable) throw error;
      return unverified(
        job,
        'failed',
        `Cube refused the query: ${error.cubeMessage ?? error.message}`,
        planned.dateRange,
      );
    }
  };

  const results: PartitionVerification[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await verifyOne(jobs[index] as JobStatus);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_QUERIES, jobs.length) }, worker));
  return results;
}

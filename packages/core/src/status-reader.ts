/**
 * Reading job statuses (action `get`): long token lists split into batches, both answer shapes
 * normalised, an old Cube's unknown-token 500 read token by token, and jobs Cube merged into an
 * identical build reported with that build's state.
 *
 * @module
 */
import { isUnknownToken500, type MergedJobTracker } from './cube-quirks/index.js';
import { CubeJobsProtocolError } from './errors.js';
import type { CallOptions } from './internal/http.js';
import type { Redactor } from './internal/redact.js';
import type { JobStatus } from './job.js';
import { GetJobsResponseSchema, type JobStatusItem } from './schemas.js';
import { parseJobStatus } from './status.js';
import { parseTokens } from './validation.js';

/** What {@link createStatusReader} reads with. */
export interface StatusReaderDependencies {
  /** Sends one request to the jobs endpoint and returns the parsed body. */
  readonly send: (body: { action: 'get'; tokens: readonly string[] }, call?: CallOptions) => Promise<unknown>;
  readonly redactor: Redactor;
  /** Most tokens per request. */
  readonly batchSize: number;
  /** Follows merged jobs when given. */
  readonly merges: MergedJobTracker | undefined;
}

/** Returns the client's `getJobStatuses`: each token's status, in the order given. */
export function createStatusReader({ send, redactor, batchSize, merges }: StatusReaderDependencies) {
  /** One batch; an old Cube's 500 for an unknown token splits it, and what it cannot read is `not_found`. */
  const readBatch = async (batch: readonly string[], call?: CallOptions): Promise<JobStatusItem[]> => {
    try {
      return parseStatusResponse(await send({ action: 'get', tokens: batch }, call), batch, redactor);
    } catch (error) {
      if (!isUnknownToken500(error)) throw error;
      if (batch.length === 1) return [{ token: batch[0] as string, status: 'not_found' }];
      const items: JobStatusItem[] = [];
      for (const token of batch) items.push(...(await readBatch([token], call)));
      return items;
    }
  };

  const readTokens = async (tokens: readonly string[], call?: CallOptions): Promise<JobStatus[]> => {
    const byToken = new Map<string, JobStatusItem>();
    for (let start = 0; start < tokens.length; start += batchSize) {
      const batch = [...new Set(tokens.slice(start, start + batchSize))];
      for (const item of await readBatch(batch, call)) byToken.set(item.token, item);
    }
    return tokens.map((token) => parseJobStatus(byToken.get(token) ?? { token, status: 'not_found' }));
  };

  return async (tokens: readonly string[], call?: CallOptions): Promise<JobStatus[]> => {
    const valid = parseTokens(tokens);
    if (!merges) return readTokens(valid, call);
    // The builds some of these jobs were merged into are read with them, so their state is current;
    // a twin found by this read is read at once, to learn whether it was still in flight.
    const read = [...new Set([...valid, ...merges.twinsOf(valid)])];
    const statuses = await readTokens(read, call);
    const followed = merges.follow(statuses, valid);
    const found = merges.twinsOf(read);
    if (found.length === 0) return followed;
    return merges.follow([...statuses, ...(await readTokens(found, call))], valid);
  };
}

/** Normalises both answer shapes of `get` into items with a token. */
function parseStatusResponse(body: unknown, requested: readonly string[], redactor: Redactor): JobStatusItem[] {
  const parsed = GetJobsResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw redactor.error(
      new CubeJobsProtocolError('Cube answered a get with something other than job statuses', redactor.value(body)),
    );
  }
  const items = Array.isArray(parsed.data)
    ? parsed.data
    : Object.entries(parsed.data).map(([token, value]) => ({ ...value, token }));
  const wanted = new Set(requested);
  const unexpected = items.find((item) => !wanted.has(item.token));
  if (unexpected) {
    throw redactor.error(
      new CubeJobsProtocolError(
        `Cube answered a get with a token that was not asked for: ${unexpected.token}`,
        redactor.value(body),
      ),
    );
  }
  return items;
}

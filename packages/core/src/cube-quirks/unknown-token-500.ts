/**
 * Quirk: Cube before 0.34.62 answers a whole `get` with HTTP 500 when any one token is unknown (a
 * restarted Cube with the memory driver, a token older than 24 h), where later releases answer
 * `not_found` for that token (cube-js/cube #7894). Seen on 0.33.65 by the sample Cube's versions suite.
 * The client then reads the batch token by token and reports the tokens it cannot read `not_found`.
 * Held by: `packages/core/test/client.test.ts` ("older Cube releases").
 *
 * @module
 */
import { CubeJobsServerError } from '../errors.js';

/** The message of that 500, thrown by the gateway reading the missing job's `context`. */
const UNKNOWN_TOKEN_500 = /Cannot read properties of undefined \(reading 'context'\)/;

/** Whether an error is an old Cube's 500 for a `get` that named an unknown token. */
export function isUnknownToken500(error: unknown): boolean {
  return error instanceof CubeJobsServerError && UNKNOWN_TOKEN_500.test(error.cubeMessage ?? '');
}

/**
 * Quirk: Cube 0.35 and earlier accept `selector.dateRange` and ignore it, rebuilding every partition;
 * 1.x honours it. The releases differ in one answer we can ask for without building anything: 1.x
 * validates requests and answers a `get` of no tokens with 400 (`"tokens" must contain at least 1
 * items`), the old ones with 200. Measured by the sample Cube's versions suite (1.7.43, 1.6.10, 0.33.65).
 * A Cube-compatible server that honours `dateRange` but answers that `get` with 200 (a proxy, a mock) is
 * declared with the client option `honoursDateRange: true`.
 * Held by: `packages/core/test/client.test.ts` ("older Cube releases") and
 * `packages/testing/test/client-over-http.test.ts` (a lenient proxy in front of the fake Cube).
 *
 * @module
 */
import { CubeJobsBadRequestError, CubeJobsUnsupportedError } from '../errors.js';

const MESSAGES = {
  detected:
    'selector.dateRange needs a Cube release whose jobs API honours it (1.x; 0.35 and earlier ignore it and ' +
    'rebuild every partition): this Cube answered an empty status read with 200, as only those releases do. ' +
    'Upgrade Cube, leave dateRange out to rebuild every partition on purpose, or, for a server that honours ' +
    'dateRange but answers that read with 200 (a proxy, a Cube-compatible server), create the client with ' +
    'honoursDateRange: true.',
  configured:
    'selector.dateRange is refused: the client was created with honoursDateRange: false. Leave dateRange out ' +
    'to rebuild every partition, or create the client with honoursDateRange: true (or unset, to ask Cube).',
} as const;

/**
 * A check, made before a post with a `dateRange`, that throws {@link CubeJobsUnsupportedError} when this
 * Cube would ignore it. `configured` is the client's `honoursDateRange`; unset, `emptyStatusRead` asks
 * Cube once per client (again after an answer that says nothing about `dateRange`, such as an outage).
 */
export function dateRangeSupportCheck<Call>(
  configured: boolean | undefined,
  emptyStatusRead: (call: Call) => Promise<unknown>,
): (call: Call) => Promise<void> {
  let honoured: Promise<boolean> | undefined = configured === undefined ? undefined : Promise.resolve(configured);
  return async (call) => {
    honoured ??= emptyStatusRead(call).then(
      () => false,
      (error: unknown) => {
        if (error instanceof CubeJobsBadRequestError) return true;
        honoured = undefined;
        throw error;
      },
    );
    if (!(await honoured)) {
      throw new CubeJobsUnsupportedError(MESSAGES[configured === false ? 'configured' : 'detected'], 'dateRange');
    }
  };
}

/**
 * Quirk: while planning a build needs a slow data-source query, Cube answers a `post` with HTTP 200 and
 * `{"error":"Continue wait"}` instead of tokens (the gateway's `ContinueWaitError`; the build may already
 * be queued for some contexts). The request is sent again, like a transient failure; never taken for tokens.
 * Held by: `packages/core/test/client.test.ts` and the fault case `transient-faults`.
 *
 * @module
 */

/** Whether a 2xx answer's `error` text is Cube's "Continue wait". */
export function isContinueWait(cubeMessage: string | undefined): boolean {
  return cubeMessage === 'Continue wait';
}

/**
 * Quirk: a token without the `jobs` API scope gets 403 worded by release: `API scope is missing: jobs`
 * (0.32.25 and later), `Permission is missed: jobs` (0.32.3–0.32.24), `Api scope is missed: jobs` (seen
 * on 0.32.31). Any of them is {@link CubeJobsMissingScopeError}, not a bad token.
 * Held by: `packages/core/test/client.test.ts` and the conformance scenario of a token without `jobs`.
 *
 * @module
 */

const MISSING_SCOPE = /scope is missing|permission is missed|scope is missed/i;

/** Whether Cube's message of a 401/403 says the token lacks an API scope (the `jobs` one, here). */
export function isMissingScopeMessage(cubeMessage: string): boolean {
  return MISSING_SCOPE.test(cubeMessage);
}

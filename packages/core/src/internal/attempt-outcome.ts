/**
 * How one HTTP attempt ended, in the terms both its observers use: the client's `onRequest` event and
 * its OpenTelemetry span. Internal.
 */
import { CubeJobsApiError } from '../errors.js';
import type { CubeRequestEvent } from '../options.js';

/** The part of a {@link CubeRequestEvent} that depends on how the attempt ended. */
export type AttemptOutcome = Pick<CubeRequestEvent, 'statusCode' | 'result' | 'tokenCount'>;

/**
 * The outcome of an attempt of `action` that asked about `askedTokens` tokens (`get`): Cube's status
 * code (200 for an answer, the error's for a refusal, none without an answer), `ok` or the typed
 * error's name, and the tokens asked about or, for a `post`, returned.
 */
export function attemptOutcome(
  action: CubeRequestEvent['action'],
  askedTokens: number | undefined,
  settled: { readonly value: unknown } | { readonly error: unknown },
): AttemptOutcome {
  if ('value' in settled) {
    const returned = action === 'post' && Array.isArray(settled.value) ? settled.value.length : askedTokens;
    return { statusCode: 200, result: 'ok', tokenCount: returned };
  }
  const { error } = settled;
  return {
    statusCode: error instanceof CubeJobsApiError ? error.status : undefined,
    result: error instanceof Error ? error.name : 'unknown',
    tokenCount: askedTokens,
  };
}

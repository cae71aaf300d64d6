/**
 * Authorization for Cube: a static or provided token, or an HS256 JWT minted from the API secret with
 * `jose`, carrying a real `exp` and minted again shortly before it expires.
 *
 * @module
 */
import { SignJWT } from 'jose';

/** Returns the token to send; called before every HTTP attempt. */
export type TokenProvider = () => string | Promise<string>;

/**
 * Returns a {@link TokenProvider} that mints HS256 JWTs from the API secret and reuses each one until
 * it is within 20 % of its lifetime (at most 60 s) of `exp`. Concurrent callers share one minting.
 */
export function createJwtTokenProvider(options: {
  /** Cube's `CUBEJS_API_SECRET`. */
  readonly apiSecret: string;
  /** Claims of the JWT; Cube reads them as the caller's security context. */
  readonly securityContext?: Readonly<Record<string, unknown>> | undefined;
  /** Lifetime of each minted token. */
  readonly tokenTtlMs: number;
  /** Clock, for tests. */
  readonly nowMs?: (() => number) | undefined;
  /** Called with every freshly minted token, so it can be redacted wherever it might appear. */
  readonly onMint?: ((token: string) => void) | undefined;
}): TokenProvider {
  const key = new TextEncoder().encode(options.apiSecret);
  const now = options.nowMs ?? Date.now;
  const marginMs = Math.min(60_000, options.tokenTtlMs * 0.2);
  let current: { token: string; expiresAtMs: number } | undefined;
  let minting: Promise<string> | undefined;

  const mint = async (): Promise<string> => {
    // JWT times are whole seconds: count the lifetime from the truncated `iat`, so the token is valid
    // for at least tokenTtlMs - 1 s, and remember the `exp` actually written.
    const issuedAt = Math.floor(now() / 1000);
    const expiresAt = issuedAt + Math.max(1, Math.ceil(options.tokenTtlMs / 1000));
    const token = await new SignJWT({ ...options.securityContext })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(key);
    options.onMint?.(token);
    current = { token, expiresAtMs: expiresAt * 1000 };
    return token;
  };

  return () => {
    if (current && now() < current.expiresAtMs - marginMs) return current.token;
    minting ??= mint().finally(() => {
      minting = undefined;
    });
    return minting;
  };
}

/**
 * The fake Cube's authentication and API scopes, with Cube's own answers: the `Authorization` (or
 * `x-cube-authorization`) header, HS256 JWTs verified with the API secret or with a key chosen by
 * `kid` (as `CUBEJS_JWK_URL` does), development mode without checks, and the `jobs` scope.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { FakeCubeOptions } from './fake-cube.js';

/** The scopes Cube grants when `CUBEJS_DEFAULT_API_SCOPES` is not set, plus `jobs`. */
export const DEFAULT_FAKE_SCOPES = ['graphql', 'meta', 'data', 'jobs'] as const;

/** How callers are authenticated (see `FakeCubeOptions`). */
export interface FakeAuthOptions {
  readonly apiSecret: string;
  readonly devMode?: boolean | undefined;
  readonly jwks?: Readonly<Record<string, string>> | undefined;
  readonly scopes?: FakeCubeOptions['scopes'] | undefined;
}

/** Who a request came from: the verified claims, or Cube's error text for a 403. */
export interface AuthResult {
  readonly claims: JWTPayload | undefined;
  readonly error?: string;
}

/** Authenticates requests and tells their scopes, as Cube's gateway does. */
export interface FakeAuthenticator {
  /** Checks a request's credentials. */
  authenticate(headers: IncomingHttpHeaders): Promise<AuthResult>;
  /** The API scopes of a caller; a JWT claim `scopes` (array) narrows the granted ones. May throw, as a user's `contextToApiScopes` may. */
  scopesOf(claims: JWTPayload | undefined): readonly string[];
  /** Signs an HS256 JWT with the API secret. */
  signToken(claims: Record<string, unknown>, expiresInMs: number): Promise<string>;
}

function safeDecode(token: string): JWTPayload | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

/** Creates the fake's authenticator. */
export function createFakeAuthenticator(options: FakeAuthOptions): FakeAuthenticator {
  const secretKey = new TextEncoder().encode(options.apiSecret);

  /** The key a token must verify with, or Cube's error when it cannot be chosen. */
  const keyFor = (token: string): { key: Uint8Array } | { error: string } => {
    if (!options.jwks) return { key: secretKey };
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return { error: 'Unable to decode JWT key' };
    }
    if (typeof kid !== 'string') return { error: 'JWT without kid inside headers' };
    const secret = options.jwks[kid];
    if (secret === undefined) return { error: `Unable to verify, JWK with kid: "${kid}" not found` };
    return { key: new TextEncoder().encode(secret) };
  };

  return {
    async authenticate(headers) {
      const header = headers['x-cube-authorization'] ?? headers.authorization;
      if (options.devMode) {
        return { claims: typeof header === 'string' ? safeDecode(header.split(' ').pop() ?? '') : undefined };
      }
      if (typeof header !== 'string' || header === '')
        return { claims: undefined, error: "Authorization header isn't set" };
      const parts = header.split(' ');
      const token = parts.length > 1 ? (parts[1] as string) : header;
      const chosen = keyFor(token);
      if ('error' in chosen) return { claims: undefined, error: chosen.error };
      try {
        const { payload } = await jwtVerify(token, chosen.key, { algorithms: ['HS256'] });
        return { claims: payload };
      } catch {
        return { claims: undefined, error: 'Invalid token' };
      }
    },
    scopesOf(claims) {
      const granted =
        typeof options.scopes === 'function' ? options.scopes(claims) : (options.scopes ?? DEFAULT_FAKE_SCOPES);
      const narrowed = claims?.scopes;
      return Array.isArray(narrowed) ? granted.filter((s) => narrowed.includes(s)) : granted;
    },
    async signToken(claims, expiresInMs) {
      const nowSeconds = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + Math.round(expiresInMs / 1000))
        .sign(secretKey);
    },
  };
}

/**
 * Secret redaction for everything this package attaches to errors (messages, stacks, bodies, causes).
 * Internal: not exported from the package.
 */

/** Any compact JWS (header.payload.signature), whoever minted it. */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

/** Placeholder written where a secret stood. */
export const REDACTED = '[REDACTED]';

/** Knows the secrets of one client and removes them (and anything shaped like a JWT) from values. */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Remembers a secret (API secret, static token, minted or provided JWT) so later text is cleaned of it. */
  add(secret: string | undefined): void {
    // Very short strings would redact innocent text; a real secret or JWT is longer than this.
    if (secret !== undefined && secret.length >= 6) this.#secrets.add(secret);
  }

  /** Returns `text` with every known secret and every JWT replaced by {@link REDACTED}. */
  text(text: string): string {
    let out = text.replace(JWT_PATTERN, REDACTED);
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** Deep-redacts strings in a JSON-like value; other values pass through. */
  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (depth > 20 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.value(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.value(item, depth + 1)]));
  }

  /**
   * Cleans an error in place: message, stack, known data fields and the whole `cause` chain.
   * Returns the same error so callers can `throw redactor.error(err)`.
   */
  error<E>(error: E, depth = 0): E {
    if (!(error instanceof Error) || depth > 10) return error;
    const target = error as Error & Record<string, unknown>;
    const assign = (key: string, value: unknown) => {
      Object.defineProperty(target, key, {
        value,
        writable: true,
        configurable: true,
        enumerable: key !== 'stack' && key !== 'message',
      });
    };
    assign('message', this.text(target.message));
    if (typeof target.stack === 'string') assign('stack', this.text(target.stack));
    for (const key of Object.keys(target)) {
      if (key === 'cause') continue;
      target[key] = this.value(target[key]);
    }
    if (target.cause !== undefined) {
      const cause = target.cause instanceof Error ? this.error(target.cause, depth + 1) : this.value(target.cause);
      assign('cause', cause);
    }
    return error;
  }
}

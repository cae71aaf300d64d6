/**
 * Canonical JSON: the same text for equal values whatever their key order, for ids and grouping keys.
 *
 * Pure module: no Node imports, safe inside the Temporal workflow sandbox.
 *
 * @module
 */

/** A copy of `value` with every object's keys sorted (arrays keep their order). */
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sortKeysDeep(record[key])]),
    );
  }
  return value;
}

/**
 * `JSON.stringify` with object keys sorted at every depth, so `{ a: 1, b: 2 }` and `{ b: 2, a: 1 }` give
 * the same text. Array order is kept: callers sort lists whose order does not matter.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

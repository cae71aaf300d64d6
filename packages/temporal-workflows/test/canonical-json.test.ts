/** Canonical JSON, behind workflow ids and the grouping of retriggered selectors. */
import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../src/canonical-json.js';

describe('canonicalJson', () => {
  test('gives equal text for equal objects whatever their key order, at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [2, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  test('keeps array order and drops undefined values as JSON.stringify does', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

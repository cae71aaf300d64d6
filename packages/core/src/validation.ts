/**
 * Validation with typed errors: zod issues become {@link ValidationIssue}s whose paths start at the
 * argument's name (`selector.timezones[0]: must be a valid IANA time zone, got "+05:00"`), and
 * {@link parseSelector} / {@link parseTokens} throw {@link CubeJobsSelectorError} naming every bad field.
 *
 * Pure module: no Node imports, safe inside the Temporal workflow sandbox.
 *
 * @module
 */
import type { z } from 'zod';
import { CubeJobsSelectorError, type ValidationIssue } from './errors.js';
import { JobTokensSchema, PreAggregationSelectorSchema, type PreAggregationSelector } from './schemas.js';

function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out || '(root)';
}

/** Converts zod issues into {@link ValidationIssue}s whose paths start at `root` (e.g. `selector`). */
export function toValidationIssues(error: z.ZodError, root: string): ValidationIssue[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      return {
        path: formatPath(root, [...issue.path, ...(keys.length === 1 ? [keys[0] as string] : [])]),
        message: `unknown key${keys.length === 1 ? '' : 's'} ${keys.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${allowedKeysHint(root, issue.path)})`,
      };
    }
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      return { path: formatPath(root, issue.path), message: 'is required' };
    }
    return { path: formatPath(root, issue.path), message: issue.message };
  });
}

function allowedKeysHint(root: string, path: readonly PropertyKey[]): string {
  if (root === 'selector' && path.length === 0) return Object.keys(PreAggregationSelectorSchema.shape).join(', ');
  if (root === 'selector' && path[0] === 'contexts') return 'securityContext';
  return 'see the schema';
}

/**
 * Validates a selector and returns it typed, or throws {@link CubeJobsSelectorError} naming every bad
 * field (e.g. `selector.timezones[0]: must be a valid IANA time zone, got "+05:00"`).
 */
export function parseSelector(input: unknown): PreAggregationSelector {
  const result = PreAggregationSelectorSchema.safeParse(input);
  if (!result.success) throw new CubeJobsSelectorError(toValidationIssues(result.error, 'selector'));
  return result.data;
}

/** Validates a token list for `get`, or throws {@link CubeJobsSelectorError} naming the bad entry. */
export function parseTokens(input: unknown): string[] {
  const result = JobTokensSchema.safeParse(input);
  if (!result.success) throw new CubeJobsSelectorError(toValidationIssues(result.error, 'tokens'), 'job token list');
  return result.data;
}

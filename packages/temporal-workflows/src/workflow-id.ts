/**
 * Deterministic workflow ids for builds, so concurrent triggers of the same selector attach to one
 * running build (start with `workflowIdConflictPolicy: 'USE_EXISTING'`). Node side.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { parseSelector } from '@cube-jobs/core/protocol';

/** JSON with sorted keys and sorted lists where Cube treats order as irrelevant. */
function canonicalSelector(selector: ReturnType<typeof parseSelector>): string {
  const sortKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
    }
    return value;
  };
  const sorted = (list: readonly string[] | undefined) => (list && list.length > 0 ? [...new Set(list)].sort() : undefined);
  return JSON.stringify(
    sortKeys({
      contexts: selector.contexts.map((c) => JSON.stringify(sortKeys(c.securityContext))).sort(),
      timezones: sorted(selector.timezones),
      dataSources: sorted(selector.dataSources),
      cubes: sorted(selector.cubes),
      preAggregations: sorted(selector.preAggregations),
      dateRange: selector.dateRange,
    }),
  );
}

/** Options of {@link buildWorkflowId}. */
export interface BuildWorkflowIdOptions {
  /** Names the Cube deployment, so equal selectors on different deployments do not share an id. @default 'default' */
  readonly deployment?: string;
  /** Id prefix. @default 'cube-preagg-build' */
  readonly prefix?: string;
}

/**
 * A stable workflow id for a selector: `<prefix>:<deployment>:<sha256 of the canonical selector>`.
 * Equal selectors (whatever their key or list order) give the same id. Validates the selector first.
 *
 * @example
 * ```ts
 * await client.workflow.start(buildPreAggregations, {
 *   taskQueue: 'cube-jobs',
 *   workflowId: buildWorkflowId(selector, { deployment: 'prod' }),
 *   workflowIdConflictPolicy: 'USE_EXISTING',
 *   args: [{ selector }],
 * });
 * ```
 */
export function buildWorkflowId(selector: unknown, options: BuildWorkflowIdOptions = {}): string {
  const hash = createHash('sha256').update(canonicalSelector(parseSelector(selector))).digest('hex').slice(0, 32);
  return `${options.prefix ?? 'cube-preagg-build'}:${options.deployment ?? 'default'}:${hash}`;
}

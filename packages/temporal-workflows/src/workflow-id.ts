/**
 * Deterministic workflow ids for builds, so concurrent triggers of the same selector attach to one
 * running build (start with `workflowIdConflictPolicy: 'USE_EXISTING'`). Node side.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { parseSelector, type PreAggregationSelector, type PreAggregationSelectorInput } from '@cube-jobs/core/protocol';
import { canonicalJson } from './canonical-json.js';

/** Canonical JSON of a selector, with lists sorted where Cube treats their order as irrelevant. */
function canonicalSelector(selector: PreAggregationSelector): string {
  const sorted = (list: readonly string[] | undefined) =>
    list && list.length > 0 ? [...new Set(list)].sort() : undefined;
  return canonicalJson({
    contexts: selector.contexts.map((context) => canonicalJson(context.securityContext)).sort(),
    timezones: sorted(selector.timezones),
    dataSources: sorted(selector.dataSources),
    cubes: sorted(selector.cubes),
    preAggregations: sorted(selector.preAggregations),
    dateRange: selector.dateRange,
  });
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
export function buildWorkflowId(selector: PreAggregationSelectorInput, options: BuildWorkflowIdOptions = {}): string {
  const hash = createHash('sha256')
    .update(canonicalSelector(parseSelector(selector)))
    .digest('hex')
    .slice(0, 32);
  return `${options.prefix ?? 'cube-preagg-build'}:${options.deployment ?? 'default'}:${hash}`;
}

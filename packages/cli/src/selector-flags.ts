/**
 * The selector flags every building command shares, and their translation into a validated selector.
 * A bad value gets one line naming the flag (exit 2).
 *
 * @module
 */
import { CubeJobsValidationError, parseSelector, type PreAggregationSelector } from '@cube-jobs/core';
import { CliError, EXIT_CODES } from './exit.js';

/** `parseArgs` options of the selector. */
export const SELECTOR_OPTIONS = {
  'pre-aggregation': { type: 'string', multiple: true },
  cube: { type: 'string', multiple: true },
  'data-source': { type: 'string', multiple: true },
  'date-range': { type: 'string' },
  timezone: { type: 'string', multiple: true },
  context: { type: 'string', multiple: true },
} as const;

/** Help lines of the selector flags. */
export const SELECTOR_HELP = `Selector:
  --pre-aggregation <cube.name>   pre-aggregation id (repeatable)
  --cube <name>                   every pre-aggregation of a cube (repeatable)
  --data-source <name>            only this data source (repeatable)
  --date-range <start>,<end>      only partitions in this range, e.g. 2024-01-01,2024-01-31
  --timezone <IANA zone>          time zone of the partitions (repeatable; default UTC)
  --context <json>                a security context, e.g. '{"tenant":"acme"}' (repeatable; default {})`;

/** The flag that sets each selector field, for error messages. */
const FLAG_OF: Record<string, string> = {
  contexts: '--context',
  timezones: '--timezone',
  dataSources: '--data-source',
  cubes: '--cube',
  preAggregations: '--pre-aggregation',
  dateRange: '--date-range',
};

/** Values of the selector flags as `parseArgs` gives them. */
export interface SelectorFlagValues {
  readonly 'pre-aggregation'?: string[] | undefined;
  readonly cube?: string[] | undefined;
  readonly 'data-source'?: string[] | undefined;
  readonly 'date-range'?: string | undefined;
  readonly timezone?: string[] | undefined;
  readonly context?: string[] | undefined;
}

/** Parses `--context` values (JSON objects). */
function parseContexts(values: readonly string[] | undefined): Array<{ securityContext: Record<string, unknown> }> {
  if (!values || values.length === 0) return [{ securityContext: {} }];
  return values.map((value, index) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new CliError(
        `--context #${index + 1}: must be a JSON object such as '{"tenant":"acme"}', got ${value}`,
        EXIT_CODES.usage,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CliError(
        `--context #${index + 1}: must be a JSON object such as '{"tenant":"acme"}', got ${value}`,
        EXIT_CODES.usage,
      );
    }
    return { securityContext: parsed as Record<string, unknown> };
  });
}

/** The selector the flags describe, validated with core's schema; bad values name their flag. */
export function selectorFromFlags(
  values: SelectorFlagValues,
  options: { allowDateRange?: boolean } = {},
): PreAggregationSelector {
  const range = values['date-range'];
  if (range !== undefined && options.allowDateRange === false) {
    throw new CliError(
      '--date-range: not allowed here (the backfill gives each build its own range)',
      EXIT_CODES.usage,
    );
  }
  const dateRange = range?.split(',').map((part) => part.trim());
  if (dateRange && dateRange.length !== 2) {
    throw new CliError(
      `--date-range: must be <start>,<end> such as 2024-01-01,2024-01-31, got "${range}"`,
      EXIT_CODES.usage,
    );
  }
  const input = {
    contexts: parseContexts(values.context),
    timezones: values.timezone ?? ['UTC'],
    ...(values['pre-aggregation'] ? { preAggregations: values['pre-aggregation'] } : {}),
    ...(values.cube ? { cubes: values.cube } : {}),
    ...(values['data-source'] ? { dataSources: values['data-source'] } : {}),
    ...(dateRange ? { dateRange } : {}),
  };
  try {
    return parseSelector(input);
  } catch (error) {
    if (!(error instanceof CubeJobsValidationError)) throw error;
    const lines = error.issues.map((issue) => {
      const field = issue.path.replace(/^selector\./, '').split(/[.[]/)[0] ?? '';
      return `${FLAG_OF[field] ?? issue.path}: ${issue.message}`;
    });
    throw new CliError(lines.join('; '), EXIT_CODES.usage, { cause: error });
  }
}

/**
 * Request validation in Cube's own words: the first error Joi reports for `preAggsJobsRequestSchema`
 * (keys checked in schema order, then unknown keys), as Cube 1.7 answers it. Deliberately separate
 * from core's zod schemas, which add checks of their own: the fake must say what Cube says.
 *
 * @module
 */
/** Whether Cube's time zone check (moment-timezone's zone list) knows `name`; fixed offsets are not zones. */
function isZoneName(name: string): boolean {
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone.length > 0;
  } catch {
    return false;
  }
}

/** A validated `post` body. */
export interface ValidPost {
  readonly action: 'post';
  readonly selector:
    | {
        readonly contexts: ReadonlyArray<{ readonly securityContext: unknown }>;
        readonly timezones: readonly string[];
        readonly dataSources?: readonly string[];
        readonly cubes?: readonly string[];
        readonly preAggregations?: readonly string[];
        readonly dateRange?: readonly [string, string];
      }
    | undefined;
}

/** A validated `get` body. */
export interface ValidGet {
  readonly action: 'get';
  readonly tokens: readonly string[];
  readonly resType?: 'object';
}

type Check = string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function unknownKey(value: Record<string, unknown>, allowed: readonly string[], prefix: string): Check {
  const extra = Object.keys(value).find((key) => !allowed.includes(key));
  return extra === undefined ? undefined : `"${prefix}${extra}" is not allowed`;
}

function stringArray(value: unknown, label: string, options: { min?: number; length?: number } = {}): Check {
  if (!Array.isArray(value)) return `"${label}" must be an array`;
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'string') return `"${label}[${i}]" must be a string`;
  }
  if (options.min !== undefined && value.length < options.min)
    return `"${label}" must contain at least ${options.min} items`;
  if (options.length !== undefined && value.length !== options.length)
    return `"${label}" must contain ${options.length} items`;
  return undefined;
}

function checkSelector(selector: unknown): Check {
  if (!isObject(selector)) return '"selector" must be of type object';
  const { contexts, timezones } = selector;
  if (contexts === undefined) return '"selector.contexts" is required';
  if (!Array.isArray(contexts)) return '"selector.contexts" must be an array';
  for (const [i, context] of contexts.entries()) {
    if (!isObject(context)) return `"selector.contexts[${i}]" must be of type object`;
    if (context.securityContext === undefined) return `"selector.contexts[${i}].securityContext" is required`;
    const extra = unknownKey(context, ['securityContext'], `selector.contexts[${i}].`);
    if (extra) return extra;
  }
  if (contexts.length < 1) return '"selector.contexts" must contain at least 1 items';
  if (timezones === undefined) return '"selector.timezones" is required';
  const tzError = stringArray(timezones, 'selector.timezones', { min: 1 });
  if (tzError) return tzError;
  for (const [i, tz] of (timezones as string[]).entries()) {
    if (!isZoneName(tz)) return `"selector.timezones[${i}]" must be a valid IANA time zone, got "${tz}"`;
  }
  for (const key of ['dataSources', 'cubes', 'preAggregations'] as const) {
    if (selector[key] !== undefined) {
      const error = stringArray(selector[key], `selector.${key}`);
      if (error) return error;
    }
  }
  if (selector.dateRange !== undefined) {
    const error = stringArray(selector.dateRange, 'selector.dateRange', { length: 2 });
    if (error) return error;
  }
  return unknownKey(
    selector,
    ['contexts', 'timezones', 'dataSources', 'cubes', 'preAggregations', 'dateRange'],
    'selector.',
  );
}

/**
 * Validates a request body. Returns the body typed, or Cube's 400 message
 * (`No job description provided` / `Invalid Job query format: <first Joi error>`).
 */
export function validateJobsRequest(
  body: unknown,
): { ok: true; value: ValidPost | ValidGet } | { ok: false; error: string } {
  if (!isObject(body) || Object.keys(body).length === 0) return { ok: false, error: 'No job description provided' };
  const fail = (message: string) => ({ ok: false as const, error: `Invalid Job query format: ${message}` });
  const { action } = body;
  if (action === undefined) return fail('"action" is required');
  if (action !== 'post' && action !== 'get') return fail('"action" must be one of [post, get]');
  if (action === 'post') {
    if (body.selector !== undefined) {
      const error = checkSelector(body.selector);
      if (error) return fail(error);
    }
    for (const key of ['tokens', 'resType']) if (body[key] !== undefined) return fail(`"${key}" is not allowed`);
    const extra = unknownKey(body, ['action', 'selector', 'tokens', 'resType'], '');
    if (extra) return fail(extra);
    return { ok: true, value: body as unknown as ValidPost };
  }
  if (body.selector !== undefined) return fail('"selector" is not allowed');
  if (body.tokens === undefined) return fail('"tokens" is required');
  const tokensError = stringArray(body.tokens, 'tokens', { min: 1 });
  if (tokensError) return fail(tokensError);
  if (body.resType !== undefined && body.resType !== 'object') return fail('"resType" must be [object]');
  const extra = unknownKey(body, ['action', 'selector', 'tokens', 'resType'], '');
  if (extra) return fail(extra);
  return { ok: true, value: body as unknown as ValidGet };
}

/**
 * Converts a `dateRange` bound as Cube's `parseUtcIntoLocalDate` does: a bound with `Z` or an offset
 * becomes UTC wall time, one without is kept as local wall time; output `YYYY-MM-DDTHH:mm:ss.SSS`.
 */
export function toWallClock(bound: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(bound);
  if (!match) return undefined;
  const [, date, time = '00:00', zone] = match;
  const offset =
    zone === undefined || zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${date}T${time}${offset}`);
  // Date.parse rolls 2024-02-30 over into March: a bound that does not read back the same day is invalid.
  if (Number.isNaN(ms) || (offset === 'Z' && new Date(ms).toISOString().slice(0, 10) !== date)) return undefined;
  return new Date(ms).toISOString().slice(0, 23);
}

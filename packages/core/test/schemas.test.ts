import { describe, expect, test } from 'vitest';
import { CubeJobsConfigError, CubeJobsSelectorError } from '../src/errors.js';
import { createCubeJobsClient, parseSelector } from '../src/index.js';
import { JobsRequestSchema, GetJobsResponseSchema, parseDateRangeBound } from '../src/schemas.js';
import { json, scriptedFetch, selector } from './helpers.js';

const base = { contexts: [{ securityContext: { tenant: 'a' } }], timezones: ['UTC'] };

describe('parseSelector', () => {
  test('accepts a full selector and keeps every field', () => {
    const full = {
      ...base,
      dataSources: ['default'],
      cubes: ['orders'],
      preAggregations: ['orders.by_month'],
      dateRange: ['2024-01-01', '2024-01-31T23:59:59.999Z'],
    };
    expect(parseSelector(full)).toEqual(full);
  });

  test.each([
    ['missing contexts', { timezones: ['UTC'] }, 'selector.contexts', 'is required'],
    ['empty contexts', { ...base, contexts: [] }, 'selector.contexts', 'at least one context'],
    [
      'context without securityContext',
      { ...base, contexts: [{}] },
      'selector.contexts[0].securityContext',
      'is required',
    ],
    [
      'context with an extra key',
      { ...base, contexts: [{ securityContext: {}, tenant: 1 }] },
      'selector.contexts[0].tenant',
      'unknown key',
    ],
    [
      'securityContext that is a string',
      { ...base, contexts: [{ securityContext: 'x' }] },
      'selector.contexts[0].securityContext',
      'must be an object',
    ],
    ['missing timezones', { contexts: base.contexts }, 'selector.timezones', 'is required'],
    ['empty timezones', { ...base, timezones: [] }, 'selector.timezones', 'at least one time zone'],
    [
      'fixed-offset timezone',
      { ...base, timezones: ['+05:00'] },
      'selector.timezones[0]',
      'valid IANA time zone, got "+05:00"',
    ],
    [
      'unknown timezone',
      { ...base, timezones: ['UTC', 'Mars/Olympus_Mons'] },
      'selector.timezones[1]',
      'valid IANA time zone',
    ],
    ['one-element dateRange', { ...base, dateRange: ['2024-01-01'] }, 'selector.dateRange', 'exactly two dates'],
    [
      'three-element dateRange',
      { ...base, dateRange: ['2024-01-01', '2024-01-02', '2024-01-03'] },
      'selector.dateRange',
      'exactly two dates',
    ],
    ['unparseable dateRange', { ...base, dateRange: ['last week', '2024-01-01'] }, 'selector.dateRange[0]', 'ISO-8601'],
    ['impossible date', { ...base, dateRange: ['2024-01-01', '2024-02-30'] }, 'selector.dateRange[1]', 'ISO-8601'],
    ['reversed dateRange', { ...base, dateRange: ['2024-02-01', '2024-01-01'] }, 'selector.dateRange', 'is after end'],
    [
      'unknown key datasources',
      { ...base, datasources: ['default'] },
      'selector.datasources',
      'unknown key "datasources"',
    ],
    [
      'pre-aggregation id without a dot',
      { ...base, preAggregations: ['by_month'] },
      'selector.preAggregations[0]',
      '"<cube>.<preAggregation>"',
    ],
    ['non-array cubes', { ...base, cubes: 'orders' }, 'selector.cubes', 'expected array'],
    ['empty cube name', { ...base, cubes: [''] }, 'selector.cubes[0]', 'non-empty'],
    ['non-string data source', { ...base, dataSources: [1] }, 'selector.dataSources[0]', 'expected string'],
    ['selector that is not an object', 'orders', 'selector', 'expected object'],
  ])('rejects %s, naming %s', (_name, input, path, message) => {
    const error = catchError(() => parseSelector(input));
    expect(error).toBeInstanceOf(CubeJobsSelectorError);
    const issue = (error as CubeJobsSelectorError).issues.find((i) => i.path === path);
    expect(issue, `issues: ${JSON.stringify((error as CubeJobsSelectorError).issues)}`).toBeDefined();
    expect(issue?.message).toContain(message);
    expect((error as Error).message).toContain(path);
    expect((error as CubeJobsSelectorError).retryable).toBe(false);
    expect((error as Error).name).toBe('CubeJobsSelectorError');
  });

  test('an invalid selector sends no request', async () => {
    const fetch = scriptedFetch(() => json(200, ['t1']));
    const client = createCubeJobsClient({
      apiUrl: 'http://127.0.0.1:1/cubejs-api',
      token: 'static-token',
      advanced: { fetch },
    });
    await expect(client.triggerBuild({ ...selector, timezones: [] })).rejects.toBeInstanceOf(CubeJobsSelectorError);
    await expect(client.getJobStatuses([])).rejects.toThrow(/tokens: must contain at least one token/);
    expect(fetch.calls).toHaveLength(0);
  });
});

describe('client options', () => {
  const ok = { apiUrl: 'http://localhost:4000/cubejs-api', token: 'static-token' };
  test.each([
    ['missing apiUrl', { token: 't-123456' }, 'options.apiUrl'],
    ['non-http apiUrl', { ...ok, apiUrl: 'ftp://cube' }, 'options.apiUrl'],
    ['neither token nor apiSecret', { apiUrl: ok.apiUrl }, 'options.token'],
    ['both token and apiSecret', { ...ok, apiSecret: 'super-secret-value' }, 'options.token'],
    ['negative timeout', { ...ok, timeoutMs: -5 }, 'options.timeoutMs'],
    ['zero timeout', { ...ok, timeoutMs: 0 }, 'options.timeoutMs'],
    ['fractional retries', { ...ok, advanced: { maxRetries: 1.5 } }, 'options.advanced.maxRetries'],
    ['unknown option', { ...ok, retries: 3 }, 'options.retries'],
    [
      'bad authorization scheme',
      { ...ok, advanced: { authorizationScheme: 'basic' } },
      'options.advanced.authorizationScheme',
    ],
    ['unknown expert option', { ...ok, advanced: { retries: 3 } }, 'options.advanced.retries'],
    ['securityContext without apiSecret', { ...ok, securityContext: {} }, 'options.securityContext'],
    [
      'credentials in headers',
      { ...ok, advanced: { headers: { Authorization: 'x' } } },
      'options.advanced.headers.Authorization',
    ],
    ['string timeout', { ...ok, timeoutMs: '30s' }, 'options.timeoutMs'],
  ])('rejects %s, naming %s', (_name, input, path) => {
    const error = catchError(() => createCubeJobsClient(input as never));
    expect(error).toBeInstanceOf(CubeJobsConfigError);
    expect((error as CubeJobsConfigError).issues.map((i) => i.path)).toContain(path);
  });

  test('an expert option given at the top level says where it goes; an unknown one lists the options', () => {
    const misplaced = catchError(() => createCubeJobsClient({ ...ok, pollTickMs: 10 } as never)) as CubeJobsConfigError;
    expect(misplaced.message).toContain('options.pollTickMs: is an expert option: give it as advanced.pollTickMs');
    const unknown = catchError(() => createCubeJobsClient({ ...ok, retries: 3 } as never)) as CubeJobsConfigError;
    expect(unknown.message).toMatch(
      /options\.retries: unknown key "retries" \(allowed: apiUrl, apiSecret, token, .*advanced\)/,
    );
  });

  test('a config error never repeats a secret it was given', () => {
    const error = catchError(() =>
      createCubeJobsClient({ apiUrl: 'not a url', apiSecret: 'top-secret-value-123', token: 'tok-secret-456' }),
    ) as Error;
    expect(error).toBeInstanceOf(CubeJobsConfigError);
    const everything = `${error.message}\n${error.stack}\n${JSON.stringify(error)}`;
    expect(everything).not.toContain('top-secret-value-123');
    expect(everything).not.toContain('tok-secret-456');
  });

  test.each([
    ['http://cube:4000', 'http://cube:4000/cubejs-api/v1/pre-aggregations/jobs'],
    ['http://cube:4000/', 'http://cube:4000/cubejs-api/v1/pre-aggregations/jobs'],
    ['http://cube:4000/cubejs-api/', 'http://cube:4000/cubejs-api/v1/pre-aggregations/jobs'],
    ['http://cube:4000/cubejs-api/v1', 'http://cube:4000/cubejs-api/v1/pre-aggregations/jobs'],
    ['https://x.cubecloudapp.dev/custom/base/v1/', 'https://x.cubecloudapp.dev/custom/base/v1/pre-aggregations/jobs'],
  ])('builds the endpoint from %s', (apiUrl, endpoint) => {
    expect(createCubeJobsClient({ apiUrl, token: 'static-token' }).endpoint).toBe(endpoint);
  });
});

describe('request schemas', () => {
  test.each([
    [{ action: 'post', selector, tokens: ['a'] }, false],
    [{ action: 'get', tokens: ['a'], selector }, false],
    [{ action: 'get', tokens: ['a'], resType: 'array' }, false],
    [{ action: 'delete' }, false],
    [{ action: 'get', tokens: [] }, false],
    [{ action: 'get', tokens: ['a'], resType: 'object' }, true],
  ])('forbid the fields of the other action: %j valid: %s', (body, valid) => {
    expect(JobsRequestSchema.safeParse(body).success).toBe(valid);
  });

  test.each([
    [[{ token: 'a', status: 'not_found' }], true],
    [{ a: { status: 'done', table: 't' } }, true],
    [[{ token: 'a' }], false],
  ])('accept both answer shapes of get: %j valid: %s', (body, valid) => {
    expect(GetJobsResponseSchema.safeParse(body).success).toBe(valid);
  });
});

describe('parseDateRangeBound', () => {
  test.each([
    ['2024-01-01', Date.UTC(2024, 0, 1)],
    ['2024-01-01T10:00:00', Date.UTC(2024, 0, 1, 10)],
    ['2024-01-01 10:00:00.500', Date.UTC(2024, 0, 1, 10, 0, 0, 500)],
    ['2024-01-01T10:00:00+02:00', Date.UTC(2024, 0, 1, 8)],
    ['2024-01-01T10:00:00Z', Date.UTC(2024, 0, 1, 10)],
  ])('reads %s', (input, expected) => {
    expect(parseDateRangeBound(input)).toBe(expected);
  });

  test.each(['yesterday', '2024-13-01', '2024-01-01T25:00:00', '01/02/2024', ''])('rejects %s', (input) => {
    expect(parseDateRangeBound(input)).toBeUndefined();
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

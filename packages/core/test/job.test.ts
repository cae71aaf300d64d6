import { describe, expect, test } from 'vitest';
import * as core from '../src/index.js';
import * as internalErrors from '../src/errors.js';
import { ERROR_NAMES } from '../src/errors.js';
import { createCubeJobsClient, PreAggregationBuildFailedError } from '../src/index.js';
import { failureMessageOf, formatJobList, JOB_LIST_LIMIT } from '../src/job.js';
import { DEFAULT_FAIL_FAST } from '../src/policy.js';
import { json, scriptedFetch } from './helpers.js';

describe('formatJobList', () => {
  test('names each job with the first line of its status', () => {
    expect(
      formatJobList([
        { name: 't1', status: 'failure: boom\n  at line 2' },
        { name: 't2', status: 'done' },
      ]),
    ).toBe('t1 (failure: boom); t2 (done)');
  });

  test(`lists ${JOB_LIST_LIMIT} jobs and counts the rest`, () => {
    const jobs = Array.from({ length: JOB_LIST_LIMIT + 3 }, (_, i) => ({ name: `t${i}`, status: 'processing' }));
    const text = formatJobList(jobs);
    expect(text.split('; ')).toHaveLength(JOB_LIST_LIMIT + 1);
    expect(text).toMatch(/; and 3 more$/);
  });
});

describe('failureMessageOf', () => {
  test.each([
    ['failure: relation "x" already exists', 'relation "x" already exists'],
    ['failure:boom', 'boom'],
    ['failure', ''],
    ['done', 'done'],
  ])('%j → %j', (status, message) => {
    expect(failureMessageOf(status)).toBe(message);
  });
});

describe('ERROR_NAMES', () => {
  test('is the name of every error class', () => {
    const request = { action: 'get' as const, url: 'http://cube', requestId: 'r', attempt: 1 };
    const details = { status: 400, cubeMessage: undefined, body: {}, request };
    const errors: core.CubeJobsError[] = [
      new core.CubeJobsError('x', { retryable: false }),
      new core.CubeJobsValidationError('x', []),
      new internalErrors.CubeJobsConfigError([]),
      new internalErrors.CubeJobsSelectorError([]),
      new core.CubeJobsApiError('x', details, false),
      new core.CubeJobsBadRequestError('x', details, false),
      new core.CubeJobsAuthError('x', details, false),
      new core.CubeJobsMissingScopeError('x', details, false),
      new core.CubeJobsRateLimitError('x', { ...details, retryAfterMs: undefined }),
      new core.CubeJobsServerError('x', details),
      new core.CubeJobsConnectionError('x'),
      new core.CubeJobsTimeoutError('x'),
      new core.CubeJobsAbortError(),
      new internalErrors.CubeJobsContinueWaitError('x'),
      new core.CubeJobsProtocolError('x', {}),
      new core.CubeJobsUnsupportedError('x', 'dateRange'),
      new core.PreAggregationBuildFailedError([]),
      new core.PreAggregationWaitTimeoutError(1, []),
    ];
    // Every name but the verification's, a workflow failure type with no class (verifyJobs returns verdicts).
    const { verificationFailed, ...classNames } = ERROR_NAMES;
    expect(verificationFailed).toBe('PreAggregationVerificationError');
    expect(errors.map((error) => error.name)).toEqual(Object.values(classNames));
    expect(errors.map((error) => error.name)).toEqual(errors.map((error) => error.constructor.name));
  });
});

describe('the fail-fast default', () => {
  test(`waitForJobs lets the other jobs finish when failFast is not given (DEFAULT_FAIL_FAST = ${DEFAULT_FAIL_FAST})`, async () => {
    const answers = [
      [
        { token: 'a', status: 'failure: boom' },
        { token: 'b', status: 'processing' },
      ],
      [{ token: 'b', status: 'done' }],
    ];
    const fetch = scriptedFetch(
      () => json(200, answers[0]),
      () => json(200, answers[1]),
    );
    const client = createCubeJobsClient({
      apiUrl: 'http://cube.test',
      token: 'test-token-1',
      advanced: { fetch, maxRetries: 0 },
    });
    const error = await client
      .waitForJobs({ tokens: ['a', 'b'], schedule: { initialPollIntervalMs: 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreAggregationBuildFailedError);
    // The second poll only happened because the wait let job b finish.
    expect(fetch.calls.map((call) => (call.body as { tokens: string[] }).tokens)).toEqual([['a', 'b'], ['b']]);
  });
});

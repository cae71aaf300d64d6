/**
 * The workflow's pure planning, without a dev server: retrigger plans, narrowed selectors, job records,
 * the failures it raises, trigger attempts within a deadline, input defaults and workflow ids.
 */
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, test } from 'vitest';
import { TRIGGER_RETRY, triggerAttemptsWithin } from '../src/activity-options.js';
import { buildFailedFailure, deadlineFailure, waitDeadlineFailure } from '../src/failures.js';
import { BUILD_DEFAULTS, resolveBuildInput } from '../src/input.js';
import { countByState, describeJobs, mergeJobRecords, statusOf } from '../src/job-records.js';
import {
  MAX_MERGED_REPOST_BACKOFF_MS,
  MAX_MERGED_REPOSTS,
  narrowSelector,
  planRetrigger,
} from '../src/retrigger-plan.js';
import { equalSelectors } from './selectors.js';
import { buildWorkflowId } from '../src/index.js';
import type { BuildJob } from '../src/workflow-safe.js';

const selector = {
  contexts: [{ securityContext: { tenant: 't1' } }],
  timezones: ['UTC'],
  preAggregations: ['orders.by_month'],
};
const target = (month: string) => ({
  preAggregation: 'orders.by_month',
  timezone: 'UTC',
  securityContext: { tenant: 't1' },
  partitionStart: `2024-${month}-01T00:00:00.000`,
});
const job = (token: string, fields: Partial<BuildJob> = {}): BuildJob => ({
  token,
  state: 'done',
  attempt: 1,
  ...fields,
});
/** The verdict a wait returns on these jobs under the default policy, once their ambiguity is confirmed. */
const verdictOf = (jobs: BuildJob[], retriggerAfterMs = 0) => ({
  failed: jobs.filter((j) => j.state === 'failure' || j.state === 'pre_agg_not_found').map((j) => j.token),
  retrigger: jobs.filter((j) => j.state === 'missing_partition' || j.state === 'not_found').map((j) => j.token),
  retriggerAfterMs,
});
const options = { selector, onFailure: 'fail' as const, maxRetriggers: 3, ambiguousConfirmMs: 10_000 };

describe('narrowSelector', () => {
  test('narrows a job to its pre-aggregation, context, time zone and partition', () => {
    expect(narrowSelector(job('a', { target: target('02') }), { ...selector, cubes: ['orders'] })).toEqual({
      contexts: [{ securityContext: { tenant: 't1' } }],
      timezones: ['UTC'],
      preAggregations: ['orders.by_month'],
      dateRange: ['2024-02-01T00:00:00.000', '2024-02-01T00:00:00.000'],
    });
  });

  test('keeps the original selector for a job whose target Cube never reported', () => {
    const original = { ...selector, dateRange: ['2024-01-01', '2024-03-31'] as [string, string] };
    expect(narrowSelector(job('a'), original)).toBe(original);
  });

  test('keeps the original date range for an unpartitioned job', () => {
    const original = { ...selector, dateRange: ['2024-01-01', '2024-03-31'] as [string, string] };
    const narrowed = narrowSelector(job('a', { target: { preAggregation: 'orders.by_status' } }), original);
    expect(narrowed).toEqual({ ...original, preAggregations: ['orders.by_status'] });
  });
});

describe('planRetrigger', () => {
  test('retriggers confirmed ambiguous jobs, one post per partition, each one attempt higher', () => {
    const jobs = [
      job('a', { state: 'missing_partition', target: target('01') }),
      job('b'),
      job('c', { state: 'not_found', target: target('03'), attempt: 2 }),
    ];
    const plan = planRetrigger(jobs, verdictOf(jobs), options);
    expect(plan.proceed).toBe(true);
    expect(plan.retrigger.map((j) => j.token)).toEqual(['a', 'c']);
    expect(plan.posts.map((post) => [post.selector.dateRange?.[0], post.attempt])).toEqual([
      ['2024-01-01T00:00:00.000', 2],
      ['2024-03-01T00:00:00.000', 3],
    ]);
    expect(plan.backoffMs).toBe(0);
  });

  test('groups jobs whose narrowed selectors are equal into one post', () => {
    const jobs = [job('a', { state: 'not_found' }), job('b', { state: 'not_found', attempt: 2 })];
    const plan = planRetrigger(jobs, verdictOf(jobs), options);
    expect(plan.posts).toHaveLength(1);
    expect(plan.posts[0]?.jobs.map((j) => j.token)).toEqual(['a', 'b']);
    expect(plan.posts[0]?.attempt).toBe(3);
  });

  test('a failed job fails the build under onFailure fail, and is retriggered under onFailure retrigger', () => {
    const jobs = [job('a', { state: 'failure', status: 'failure: disk full', target: target('01') })];
    const failing = planRetrigger(jobs, verdictOf(jobs), options);
    expect(failing.proceed).toBe(false);
    expect(failing.hardFailed.map((j) => j.token)).toEqual(['a']);
    const retrying = planRetrigger(jobs, verdictOf(jobs), { ...options, onFailure: 'retrigger' });
    expect(retrying.proceed).toBe(true);
    expect(retrying.retrigger.map((j) => j.token)).toEqual(['a']);
  });

  test('a failed job the wait says to trigger again (a same-second collision) is, under onFailure fail, after its backoff', () => {
    const collided = job('a', {
      state: 'failure',
      status: 'failure: relation "x" already exists',
      target: target('01'),
    });
    const plan = planRetrigger([collided], { failed: [], retrigger: ['a'], retriggerAfterMs: 1100 }, options);
    expect(plan.proceed).toBe(true);
    expect(plan.retrigger.map((j) => j.token)).toEqual(['a']);
    expect(plan.backoffMs).toBe(1100);
  });

  test('a job past its retrigger budget stops the build', () => {
    const jobs = [job('a', { state: 'not_found', attempt: 4 })];
    const plan = planRetrigger(jobs, verdictOf(jobs), options);
    expect(plan.proceed).toBe(false);
    expect(plan.exhausted.map((j) => j.token)).toEqual(['a']);
  });

  test('jobs Cube merged into a build nobody here knows are posted again after a doubling backoff, off the budget', () => {
    const merged = (token: string, month: string, mergedReposts?: number) =>
      job(token, { state: 'missing_partition', merge: {}, target: target(month), attempt: 4, mergedReposts });
    const jobs = [merged('a', '01'), merged('b', '02')];
    const plan = planRetrigger(jobs, verdictOf(jobs), options);
    expect(plan.proceed).toBe(true);
    expect(plan.exhausted).toEqual([]); // attempt 4 > maxRetriggers 3, yet not exhausted
    expect(plan.posts.map((post) => [post.attempt, post.mergedReposts])).toEqual([
      [4, 1],
      [4, 1],
    ]);
    expect(plan.backoffMs).toBe(10_000);
    const third = [merged('a', '01', 2)];
    expect(planRetrigger(third, verdictOf(third), options).backoffMs).toBe(40_000);
    const late = [merged('a', '01', 7)];
    expect(planRetrigger(late, verdictOf(late), options).backoffMs).toBe(MAX_MERGED_REPOST_BACKOFF_MS);
    // After MAX_MERGED_REPOSTS in a row, a post counts against the budget again.
    const spent = [merged('a', '01', MAX_MERGED_REPOSTS)];
    expect(planRetrigger(spent, verdictOf(spent), options).exhausted.map((j) => j.token)).toEqual(['a']);
  });

  test('a lost job among merged ones is posted at once, and a merged job Cube has since forgotten is lost', () => {
    const jobs = [
      job('a', { state: 'missing_partition', merge: {}, target: target('01') }),
      job('b', { state: 'not_found', target: target('02') }),
    ];
    const plan = planRetrigger(jobs, verdictOf(jobs), options);
    expect(plan.backoffMs).toBe(0);
    expect(plan.posts.map((post) => [post.attempt, post.mergedReposts])).toEqual([
      [1, 1],
      [2, 0],
    ]);
    const forgotten = [job('a', { state: 'not_found', merge: {}, target: target('01') })];
    const lost = planRetrigger(forgotten, verdictOf(forgotten), options);
    expect([lost.backoffMs, lost.posts[0]?.attempt]).toEqual([0, 2]);
  });
});

describe('job records', () => {
  test("a record's status is Cube's string, or its state when the record left it out", () => {
    expect(statusOf(job('a', { state: 'failure', status: 'failure: boom' }))).toBe('failure: boom');
    expect(statusOf(job('b', { state: 'processing' }))).toBe('processing');
  });

  test("counts every state, in core's order", async () => {
    const { JOB_STATES } = await import('../../core/src/job.js');
    const counts = countByState([job('a'), job('b', { state: 'not_found' }), job('c')]);
    expect(Object.keys(counts)).toEqual([...JOB_STATES]);
    expect(counts).toMatchObject({ done: 2, not_found: 1, failure: 0 });
  });

  test('merging keeps the table and target Cube forgot when a job turned not_found', () => {
    const before = [job('a', { state: 'processing', table: 't_a', target: target('01') }), job('b')];
    const merged = mergeJobRecords(before, [{ token: 'a', state: 'not_found' }]);
    expect(merged[0]).toEqual({ ...before[0], state: 'not_found' });
    expect(merged[1]).toBe(before[1]);
  });

  test('a merge holds only while the records say so', () => {
    const before = [job('a', { state: 'missing_partition', merge: { token: 'x', table: 't_x' } })];
    const twinRunning = mergeJobRecords(before, [{ token: 'a', state: 'processing', merge: { token: 'x' } }]);
    expect(twinRunning[0]?.merge).toEqual({ token: 'x' });
    expect(mergeJobRecords(twinRunning, [{ token: 'a', state: 'not_found' }])[0]).toEqual({
      token: 'a',
      state: 'not_found',
      attempt: 1,
    });
  });

  test('describes jobs by table, else pre-aggregation, else token, with the first line of the status', () => {
    const text = describeJobs([
      job('a', { table: 'schema.t_a', state: 'failure', status: 'failure: boom\nstack' }),
      job('b', { target: target('02'), state: 'not_found' }),
      job('c', { state: 'missing_partition' }),
    ]);
    expect(text).toBe('schema.t_a (failure: boom); orders.by_month (not_found); c (missing_partition)');
  });
});

describe('failures', () => {
  const jobs = [job('a', { state: 'processing', table: 't_a' }), job('b')];

  test('a deadline while triggering names the last error and the unfinished jobs', () => {
    const cause = Object.assign(new Error('activity failed'), { cause: new Error('Cube answered 503') });
    const failure = deadlineFailure('triggering', cause, jobs);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('PreAggregationWaitTimeoutError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      'The deadline passed while triggering (last error: Cube answered 503); 1 pre-aggregation job(s) unfinished: t_a (processing)',
    );
  });

  test('a deadline while waiting lists the unfinished jobs in its details', () => {
    const failure = waitDeadlineFailure(jobs);
    expect(failure.message).toBe('1 pre-aggregation job(s) still unfinished at the deadline: t_a (processing)');
    expect(failure.details).toEqual([{ pendingJobs: [jobs[0]] }]);
  });

  test('a build failure says when the retrigger budget ran out', () => {
    const failed = [job('a', { state: 'failure', status: 'failure: boom' })];
    const counts = countByState(failed);
    const failure = buildFailedFailure({ failed, exhausted: 1, maxRetriggers: 2, counts });
    expect(failure.type).toBe('PreAggregationBuildFailedError');
    expect(failure.message).toBe(
      '1 pre-aggregation job(s) failed (1 triggered again 2 time(s) already): a (failure: boom)',
    );
    expect(failure.details).toEqual([{ failedJobs: failed, counts }]);
  });
});

describe('triggerAttemptsWithin', () => {
  test.each([
    [500, 1],
    [1001, 2],
    [3001, 3],
    [7001, 4],
    [15_001, 5],
    [25_001, 6],
  ])('%i ms of deadline allow %i attempts (backoff 1 s doubling to 10 s)', (budgetMs, attempts) => {
    expect(triggerAttemptsWithin(budgetMs)).toBe(attempts);
  });

  test('the backoff is capped at its maximum', () => {
    const hour = triggerAttemptsWithin(3_600_000);
    const twoHours = triggerAttemptsWithin(7_200_000);
    expect(twoHours - hour).toBe(3_600_000 / TRIGGER_RETRY.maxMs);
  });
});

describe('resolveBuildInput', () => {
  test("leaves the wait's options to core's defaults and applies its own", async () => {
    const { DEFAULT_JOBS_POLICY } = await import('../../core/src/policy.js');
    const config = resolveBuildInput({ selector });
    expect(config).toEqual({
      selector,
      pollIntervalMs: undefined,
      maxPollIntervalMs: undefined,
      deadlineMs: undefined,
      heartbeatTimeoutMs: BUILD_DEFAULTS.heartbeatTimeoutMs,
      jobsPolicy: {},
      ambiguousConfirmMs: BUILD_DEFAULTS.ambiguousConfirmMs,
      onFailure: BUILD_DEFAULTS.onFailure,
      maxRetriggers: BUILD_DEFAULTS.maxRetriggers,
      failFast: undefined,
    });
    expect(BUILD_DEFAULTS.ambiguousConfirmMs).toBe(DEFAULT_JOBS_POLICY.ambiguousConfirmMs);
  });

  test('converts durations to milliseconds and passes the policy the input gave', () => {
    const config = resolveBuildInput({
      selector,
      wait: { pollInterval: '2s', maxPollInterval: '9s', deadline: '5m' },
      policy: { ambiguousGrace: '1m', onNotFound: 'fail' },
    });
    expect([config.pollIntervalMs, config.maxPollIntervalMs, config.deadlineMs]).toEqual([2000, 9000, 300_000]);
    expect(config.jobsPolicy).toEqual({ ambiguousGraceMs: 60_000, onNotFound: 'fail' });
  });

  test('names every bad field, the selector included', () => {
    const input = { selector: { contexts: [], timezones: ['UTC'] }, wait: { mode: 'timer' } } as never;
    expect(() => resolveBuildInput(input)).toThrow(
      /input\.wait\.mode: unknown key "mode"; input\.selector\.contexts: must contain at least one context/,
    );
  });
});

describe('buildWorkflowId', () => {
  test('gives equal selectors one id whatever their key and list order', () => {
    const { a, b } = equalSelectors;
    expect(buildWorkflowId(a, { deployment: 'prod' })).toBe(buildWorkflowId(b, { deployment: 'prod' }));
    expect(buildWorkflowId(a, { deployment: 'prod' })).not.toBe(buildWorkflowId(a, { deployment: 'staging' }));
    expect(buildWorkflowId(a)).toMatch(/^cube-preagg-build:default:[0-9a-f]{32}$/);
  });

  test('ids stay what earlier versions gave, so a repeated trigger still attaches to a running build', () => {
    const selector2 = {
      contexts: [{ securityContext: { tenant: 'b', a: [1, { z: 1, y: 2 }] } }, { securityContext: {} }],
      timezones: ['UTC', 'America/New_York'],
      cubes: ['orders', 'customers'],
      preAggregations: ['orders.by_month'],
      dateRange: ['2024-01-01', '2024-01-31'] as [string, string],
    };
    expect(buildWorkflowId(selector2, { deployment: 'prod' })).toBe(
      'cube-preagg-build:prod:03d57b5342b01cdd81aa66cc555fb8d5',
    );
    expect(buildWorkflowId({ contexts: [{ securityContext: {} }], timezones: ['UTC'] })).toBe(
      'cube-preagg-build:default:8cfeae8fdc8e042adcd62ac3bb2c5a1e',
    );
  });
});

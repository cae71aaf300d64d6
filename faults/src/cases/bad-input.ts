/**
 * Fault case: bad input (workflow input, client options, environment, Cube-side) ends in typed errors naming the field.
 *
 * @module
 */
import {
  createCubeJobsClient,
  CubeJobsError,
  CubeJobsValidationError,
  ERROR_NAMES,
  type CubeJobsClientOptions,
} from '@cube-jobs/core';
import { readDemoConfig } from '@cube-jobs/demo-worker/env';
import { buildPreAggregations, type BuildPreAggregationsInput } from '@cube-jobs/temporal-workflows/workflow-safe';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CaseResult, FaultSuite } from '../context.js';
import { describeError, fastWait, say, selector } from '../context.js';

/** 7. Bad input: typed errors naming the field, no request for locally invalid input, the worker survives. */
export async function badInput(suite: FaultSuite): Promise<CaseResult> {
  const cube = await suite.fake();
  const taskQueue = 'faults-bad-input';
  const { worker, connection } = await suite.inProcessWorker(cube, taskQueue);
  const checks: Array<{ name: string; pass: boolean }> = [];
  const ctx = { contexts: [{ securityContext: {} }], timezones: ['UTC'] };
  const workflowInputs: Array<[string, unknown, string]> = [
    ['selector missing', {}, 'input.selector'],
    ['contexts empty', { selector: { ...ctx, contexts: [] } }, 'input.selector.contexts'],
    ['context not an object', { selector: { ...ctx, contexts: ['tenant'] } }, 'input.selector.contexts[0]'],
    ['timezones missing', { selector: { contexts: ctx.contexts } }, 'input.selector.timezones'],
    ['fixed-offset time zone', { selector: { ...ctx, timezones: ['+05:00'] } }, 'input.selector.timezones[0]'],
    ['unknown selector key', { selector: { ...ctx, datasources: ['default'] } }, 'input.selector.datasources'],
    ['cubes not an array', { selector: { ...ctx, cubes: 'orders' } }, 'input.selector.cubes'],
    [
      'pre-aggregation id without a dot',
      { selector: { ...ctx, preAggregations: ['by_month'] } },
      'input.selector.preAggregations[0]',
    ],
    [
      'unparseable dateRange',
      { selector: { ...ctx, dateRange: ['soon', '2024-01-01'] } },
      'input.selector.dateRange[0]',
    ],
    [
      'reversed dateRange',
      { selector: { ...ctx, dateRange: ['2024-02-01', '2024-01-01'] } },
      'input.selector.dateRange',
    ],
    ['one-element dateRange', { selector: { ...ctx, dateRange: ['2024-02-01'] } }, 'input.selector.dateRange'],
    ['negative poll interval', { selector: ctx, wait: { pollInterval: -5 } }, 'input.wait.pollInterval'],
    ['zero deadline', { selector: ctx, wait: { deadline: 0 } }, 'input.wait.deadline'],
    ['unknown wait mode', { selector: ctx, wait: { mode: 'eventually' } }, 'input.wait.mode'],
    ['unknown policy value', { selector: ctx, policy: { onNotFound: 'ignore' } }, 'input.policy.onNotFound'],
    ['negative retrigger budget', { selector: ctx, policy: { maxRetriggers: -1 } }, 'input.policy.maxRetriggers'],
    ['unknown input key', { selector: ctx, retries: 3 }, 'input.retries'],
  ];
  await worker.runUntil(async () => {
    for (const [name, input, path] of workflowInputs) {
      const error = await suite.client.workflow
        .execute(buildPreAggregations, {
          taskQueue,
          workflowId: `bad-${name.replace(/\W+/g, '-')}-${Date.now()}`,
          args: [input as BuildPreAggregationsInput],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      suite.produced.errors.push(describeError(error));
      const failure = error instanceof WorkflowFailedError ? error.cause : undefined;
      checks.push({
        name: `workflow input: ${name}`,
        pass:
          failure instanceof ApplicationFailure &&
          failure.type === 'CubeJobsValidationError' &&
          failure.message.includes(path),
      });
    }
    // Errors only Cube can see: they too end typed, and the worker keeps running.
    const remote: Array<[string, CubeJobsClientOptions, string]> = [
      [
        'unreachable Cube',
        { apiUrl: 'http://127.0.0.1:9/cubejs-api', token: 'token-unreachable' },
        'CubeJobsConnectionError',
      ],
      ['wrong secret', { apiUrl: cube.url, apiSecret: 'not-the-secret-at-all' }, 'CubeJobsAuthError'],
      [
        'missing jobs scope',
        { apiUrl: cube.url, apiSecret: cube.apiSecret, securityContext: { scopes: ['meta'] } },
        'CubeJobsMissingScopeError',
      ],
      ['unknown pre-aggregation', { apiUrl: cube.url, apiSecret: cube.apiSecret }, 'CubeJobsBadRequestError'],
    ];
    for (const [name, options, type] of remote) {
      const error = await createCubeJobsClient(options)
        .triggerBuild(name === 'unknown pre-aggregation' ? { ...ctx, preAggregations: ['orders.nope'] } : ctx)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      suite.produced.errors.push(describeError(error));
      checks.push({ name: `Cube: ${name}`, pass: error instanceof CubeJobsError && error.name === type });
    }
    const after = await suite.client.workflow.execute(buildPreAggregations, {
      taskQueue,
      workflowId: `bad-then-good-${Date.now()}`,
      args: [{ selector, wait: fastWait }],
    });
    checks.push({ name: 'the worker still builds after all of the above', pass: after.outcome === 'succeeded' });
  });
  await connection.close();
  // Every request but the last build's (its post names it; its status polls went through the worker's
  // shared poller, and no other build ever got as far as polling).
  const requestsBeforeRemote = cube.requests.filter(
    (r) => r.action !== 'get' && !String(r.headers['x-request-id'] ?? '').startsWith('bad-then-good'),
  ).length;
  const clientOptions: Array<[string, unknown, string]> = [
    ['apiUrl missing', { token: 'x-token-1' }, 'options.apiUrl'],
    ['apiUrl not http', { apiUrl: 'ftp://cube', token: 'x-token-1' }, 'options.apiUrl'],
    ['neither token nor secret', { apiUrl: cube.url }, 'options.token'],
    ['token and secret', { apiUrl: cube.url, token: 'x-token-1', apiSecret: 'y-secret-1' }, 'options.token'],
    ['negative timeout', { apiUrl: cube.url, token: 'x-token-1', timeoutMs: -1 }, 'options.timeoutMs'],
    ['zero timeout', { apiUrl: cube.url, token: 'x-token-1', timeoutMs: 0 }, 'options.timeoutMs'],
    [
      'fractional retries',
      { apiUrl: cube.url, token: 'x-token-1', advanced: { maxRetries: 0.5 } },
      'options.advanced.maxRetries',
    ],
    ['unknown option', { apiUrl: cube.url, token: 'x-token-1', retries: 2 }, 'options.retries'],
  ];
  for (const [name, options, path] of clientOptions) {
    let error: unknown;
    try {
      createCubeJobsClient(options as CubeJobsClientOptions);
    } catch (e) {
      error = e;
    }
    checks.push({
      name: `client options: ${name}`,
      pass:
        error instanceof CubeJobsValidationError &&
        error.name === ERROR_NAMES.config &&
        error.issues.some((i) => i.path === path),
    });
  }
  const envs: Array<[string, NodeJS.ProcessEnv, string]> = [
    ['TEMPORAL_ADDRESS with a scheme', { TEMPORAL_ADDRESS: 'http://temporal:7233' }, 'TEMPORAL_ADDRESS'],
    ['CUBE_API_URL not a URL', { CUBE_API_URL: 'cube:4000' }, 'CUBE_API_URL'],
    ['CUBE_API_URL without credentials', { CUBE_API_URL: 'http://cube:4000' }, 'CUBE_API_SECRET'],
    ['short CUBE_API_SECRET', { CUBE_API_URL: 'http://cube:4000', CUBE_API_SECRET: 'short' }, 'CUBE_API_SECRET'],
    ['task queue with spaces', { TEMPORAL_TASK_QUEUE: 'a b' }, 'TEMPORAL_TASK_QUEUE'],
  ];
  for (const [name, env, variable] of envs) {
    let error: unknown;
    try {
      readDemoConfig(env);
    } catch (e) {
      error = e;
    }
    checks.push({
      name: `env: ${name}`,
      pass: error instanceof Error && error.name === 'DemoConfigError' && error.message.includes(variable),
    });
  }
  // Locally invalid input never reached Cube: the only requests are the four remote cases' (at most 3 reach the fake).
  checks.push({ name: 'no request for locally invalid input', pass: requestsBeforeRemote <= 3 });
  const failed = checks.filter((c) => !c.pass);
  for (const c of failed) say(`    bad input check failed: ${c.name}`);
  return {
    name: 'bad input (workflow input, client options, env, Cube-side)',
    runs: checks.length,
    completed: checks.length - failed.length,
    duplicatePosts: 0,
    note: 'completed = typed error naming the field or cause',
    ok: failed.length === 0,
  };
}

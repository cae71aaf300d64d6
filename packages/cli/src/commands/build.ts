/**
 * `cube-jobs build`: trigger the pre-aggregations a selector matches and wait for them, straight
 * against Cube (no Temporal needed, e.g. from CI or cron), or with `--temporal` as the
 * `buildPreAggregations` workflow (deterministic id: a second call attaches to the running build).
 * With `--verify`, it then proves that Cube serves what the jobs built (see the `verify` command).
 *
 * @module
 */
import {
  CubeJobsBadRequestError,
  ERROR_NAMES,
  PreAggregationBuildFailedError,
  type PreAggregationSelector,
  type WaitResult,
} from '@cube-jobs/core';
import { buildWorkflowId, describeSelector } from '@cube-jobs/temporal-workflows';
import { buildPreAggregations } from '@cube-jobs/temporal-workflows/workflow-safe';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { parseCommandArgs, writeJson, type Command, type CommandIo } from '../command.js';
import { asCubeAccessError, cubeClient, readCubeAccess } from '../cube.js';
import { CliError, EXIT_CODES, firstLine } from '../exit.js';
import { createProgressPrinter, followBuild, shortTableName } from '../progress.js';
import { SELECTOR_HELP, SELECTOR_OPTIONS, selectorFromFlags } from '../selector-flags.js';
import { connectTemporal } from '../temporal.js';
import {
  anyVerificationFailed,
  parseMinRows,
  printVerifications,
  summarizeVerifications,
  verifyPartitions,
} from './verify.js';

const USAGE = `Usage: cube-jobs build [selector] [--temporal] [--no-wait] [--verify [--min-rows N]] [--json]
                       [--url <Cube API URL>] [--deployment <name>] [--task-queue <name>]

Triggers the build of every pre-aggregation the selector matches, then waits for it (a progress bar on
a terminal, one line per job otherwise). Exit 0 when every job is done, 1 when one failed.

  --temporal             start the buildPreAggregations workflow instead (Temporal settings from
                         TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, …; a worker must run)
  --no-wait              print the job tokens (or the workflow id) and return
  --verify               once every job is done, prove that Cube serves each partition (one query each,
                         as cube-jobs verify; needs the data and meta scopes): exit 1 when one is not
                         served. With --temporal, the workflow verifies (input verify)
  --min-rows <N>         with --verify: fewest rows each partition must have (default 0)
  --deployment <name>    names the Cube deployment in the workflow id (default "default")
  --task-queue <name>    the worker's task queue (default TEMPORAL_TASK_QUEUE or cube-jobs)

${SELECTOR_HELP}

Cube: --url or CUBE_API_URL, with CUBE_API_SECRET or CUBE_API_TOKEN (never on the command line).`;

const OPTIONS = {
  ...SELECTOR_OPTIONS,
  url: { type: 'string' },
  temporal: { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  verify: { type: 'boolean' },
  'min-rows': { type: 'string' },
  deployment: { type: 'string' },
  'task-queue': { type: 'string' },
} as const;

/** What `--verify` and `--min-rows` ask: no verification, or one with these minimum rows. */
interface VerifyRequest {
  readonly minRows: number | undefined;
}

/** Posts the selector; Cube's 400 (e.g. a selector that matches nothing) is a validation error (exit 2). */
async function trigger(io: CommandIo, url: string | undefined, selector: PreAggregationSelector) {
  const access = readCubeAccess(url, io.env);
  const client = cubeClient(access, { maxRetries: 2 });
  try {
    return { client, access, tokens: await client.triggerBuild(selector) };
  } catch (error) {
    if (error instanceof CubeJobsBadRequestError) {
      throw new CliError(`Cube rejected the selector: ${error.cubeMessage ?? error.message}`, EXIT_CODES.usage, {
        cause: error,
      });
    }
    throw asCubeAccessError(access.apiUrl, error);
  }
}

/** Without Temporal: post, then wait with core's poller. */
async function buildDirectly(
  io: CommandIo,
  values: { url?: string; json?: boolean; 'no-wait'?: boolean },
  selector: PreAggregationSelector,
  verify: VerifyRequest | undefined,
) {
  const { client, access, tokens } = await trigger(io, values.url, selector);
  if (values['no-wait']) {
    if (values.json) writeJson(io, { tokens });
    else io.out.write(`${tokens.join('\n')}\n`);
    return EXIT_CODES.ok;
  }
  if (!values.json) io.out.write(`Triggered ${tokens.length} job(s) on ${access.apiUrl}\n`);
  const printer = createProgressPrinter(io.out);
  let result: WaitResult;
  try {
    result = await client.waitForJobs({
      tokens,
      ...(values.json ? {} : { onProgress: (progress) => printer.update(progress.jobs, progress.elapsedMs) }),
    });
  } catch (error) {
    printer.end();
    if (!(error instanceof PreAggregationBuildFailedError)) throw asCubeAccessError(access.apiUrl, error);
    const failedJobs = error.failedJobs.map((job) => ({ token: job.token, status: job.raw, table: job.table ?? null }));
    if (values.json) writeJson(io, { mode: 'direct', outcome: 'failed', tokens, failedJobs });
    else {
      io.out.write(`Failed: ${failedJobs.length} job(s)\n`);
      for (const job of error.failedJobs) io.out.write(`  ${shortTableName(job.table)}  ${job.raw}\n`);
    }
    return EXIT_CODES.failed;
  }
  printer.end();
  const jobs = result.jobs.map((job) => ({
    token: job.token,
    state: job.state,
    status: job.raw,
    table: job.table ?? null,
  }));
  const report = { mode: 'direct', outcome: result.outcome, tokens, jobs, elapsedMs: result.elapsedMs };
  if (result.outcome !== 'succeeded') {
    const unfinished = result.jobs.filter((job) => job.state !== 'done');
    if (values.json) writeJson(io, report);
    else {
      const why =
        result.outcome === 'retrigger' ? 'lost by Cube (build --temporal triggers lost jobs again)' : result.outcome;
      io.out.write(`Not done (${why}): ${unfinished.length} job(s)\n`);
      for (const job of unfinished) io.out.write(`  ${shortTableName(job.table)}  ${job.raw}\n`);
    }
    return EXIT_CODES.failed;
  }
  if (!values.json)
    io.out.write(`Succeeded: ${result.jobs.length} job(s) done in ${(result.elapsedMs / 1000).toFixed(1)} s\n`);
  if (!verify) {
    if (values.json) writeJson(io, report);
    return EXIT_CODES.ok;
  }
  const verification = await verifyPartitions(client, access, tokens, verify.minRows);
  const failed = anyVerificationFailed(verification);
  if (values.json) {
    const failure = failed ? { outcome: 'failed', failureType: ERROR_NAMES.verificationFailed } : {};
    writeJson(io, { ...report, ...failure, verification });
  } else {
    io.out.write(`Verification: ${summarizeVerifications(verification)}\n`);
    printVerifications(io.out, verification, '  ');
  }
  return failed ? EXIT_CODES.failed : EXIT_CODES.ok;
}

/** With Temporal: start (or attach to) the workflow, and follow it. */
async function buildWithTemporal(
  io: CommandIo,
  values: { json?: boolean; 'no-wait'?: boolean; deployment?: string; 'task-queue'?: string },
  selector: PreAggregationSelector,
  verify: VerifyRequest | undefined,
) {
  const temporal = await connectTemporal(values['task-queue'], io.env);
  try {
    const workflowId = buildWorkflowId(selector, { deployment: values.deployment ?? 'default' });
    const handle = await temporal.client.workflow.start(buildPreAggregations, {
      taskQueue: temporal.taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `build (cube-jobs CLI): ${describeSelector(selector)}`,
      memo: { selector: describeSelector(selector) },
      args: [
        {
          selector,
          ...(verify ? { verify: verify.minRows === undefined ? true : { minRows: verify.minRows } } : {}),
        },
      ],
    });
    if (values['no-wait']) {
      if (values.json) writeJson(io, { workflowId, runId: handle.firstExecutionRunId });
      else io.out.write(`${workflowId}\n`);
      return EXIT_CODES.ok;
    }
    if (!values.json)
      io.out.write(`Workflow ${workflowId} on task queue "${temporal.taskQueue}" (${temporal.address})\n`);
    try {
      const result = values.json ? await handle.result() : await followBuild(handle, handle.result(), io.out);
      if (values.json) writeJson(io, { mode: 'temporal', workflowId, ...result });
      else {
        io.out.write(`Succeeded: ${result.counts.done} job(s) done in ${(result.durationMs / 1000).toFixed(1)} s\n`);
        if (verify) {
          const verdicts = result.jobs.flatMap((job) => (job.verification ? [job.verification] : []));
          io.out.write(`Verification: ${summarizeVerifications(verdicts)}\n`);
        }
      }
      return EXIT_CODES.ok;
    } catch (error) {
      const failure =
        error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure ? error.cause : undefined;
      if (!failure) throw error;
      if (values.json)
        writeJson(io, {
          mode: 'temporal',
          workflowId,
          outcome: 'failed',
          failureType: failure.type,
          failureMessage: failure.message,
        });
      else io.out.write(`Failed with ${failure.type ?? 'an error'}: ${firstLine(failure.message)}\n`);
      return EXIT_CODES.failed;
    }
  } finally {
    await temporal.close();
  }
}

/** `--verify` and `--min-rows`: `--min-rows` needs `--verify`; a direct `--verify` needs the wait. */
function verifyRequest(values: {
  verify?: boolean;
  'min-rows'?: string;
  temporal?: boolean;
  'no-wait'?: boolean;
}): VerifyRequest | undefined {
  const minRows = parseMinRows(values['min-rows']);
  if (!values.verify) {
    if (minRows !== undefined) throw new CliError(`build: --min-rows needs --verify\n${USAGE}`, EXIT_CODES.usage);
    return undefined;
  }
  if (values['no-wait'] && !values.temporal) {
    throw new CliError(
      'build: --verify needs the wait (drop --no-wait, or verify the tokens later with cube-jobs verify)',
      EXIT_CODES.usage,
    );
  }
  return { minRows };
}

/** The `build` command. */
export const buildCommand: Command = {
  name: 'build',
  summary: 'build the pre-aggregations a selector matches and wait (directly or as a Temporal workflow)',
  usage: USAGE,
  async run(args, io) {
    const parsed = parseCommandArgs(args, OPTIONS, USAGE, io);
    if (!parsed) return EXIT_CODES.ok;
    const selector = selectorFromFlags(parsed.values);
    const verify = verifyRequest(parsed.values);
    return parsed.values.temporal
      ? buildWithTemporal(io, parsed.values, selector, verify)
      : buildDirectly(io, parsed.values, selector, verify);
  },
};

/**
 * `cube-jobs schedule create|list|describe|pause|unpause|delete|backfill`: Temporal Schedules that run
 * `buildPreAggregations` (created with `createBuildSchedule`, then driven through Temporal's own
 * schedule API), and backfills of a range of partitions.
 *
 * @module
 */
import { backfillBuilds, createBuildSchedule, type BackfillOptions } from '@cube-jobs/temporal-workflows';
import type { BuildPreAggregationsInput } from '@cube-jobs/temporal-workflows/workflow-safe';
import {
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOverlapPolicy,
} from '@temporalio/client';
import { parseCommandArgs, writeJson, type Command, type CommandIo, type ParsedCommandArgs } from '../command.js';
import { CliError, EXIT_CODES } from '../exit.js';
import { SELECTOR_HELP, SELECTOR_OPTIONS, selectorFromFlags } from '../selector-flags.js';
import { connectTemporal, type TemporalAccess } from '../temporal.js';

const USAGE = `Usage: cube-jobs schedule <subcommand> [flags] [--json]

  create <id> (--cron <expr> | --every <duration>)… [selector] [--schedule-timezone <zone>] [--jitter <duration>]
              [--overlap skip|buffer-one|buffer-all|cancel-other|terminate-other|allow-all] [--catchup-window <duration>]
              [--paused] [--note <text>] [--task-queue <name>]
  list
  describe <id>
  pause <id> [--note <text>]
  unpause <id> [--note <text>]
  delete <id>
  backfill --from <YYYY-MM-DD> --to <YYYY-MM-DD> --granularity day|week|month|quarter|year [selector]
           [--max-builds <n>] [--concurrency <n>] [--deployment <name>] [--task-queue <name>]

Runs of a schedule start buildPreAggregations on the task queue (a worker must run there); the overlap
policy defaults to skip: a run due while the previous one still builds is skipped. A backfill rebuilds
a range of partitions as at most --max-builds builds (default 12), each covering whole partitions.

${SELECTOR_HELP}

Temporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* or TEMPORAL_PROFILE.`;

const OPTIONS = {
  ...SELECTOR_OPTIONS,
  cron: { type: 'string', multiple: true },
  every: { type: 'string', multiple: true },
  'schedule-timezone': { type: 'string' },
  jitter: { type: 'string' },
  overlap: { type: 'string' },
  'catchup-window': { type: 'string' },
  paused: { type: 'boolean' },
  note: { type: 'string' },
  'task-queue': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  granularity: { type: 'string' },
  'max-builds': { type: 'string' },
  concurrency: { type: 'string' },
  deployment: { type: 'string' },
} as const;

const SUBCOMMANDS = ['create', 'list', 'describe', 'pause', 'unpause', 'delete', 'backfill'] as const;
const OVERLAPS: Record<string, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  'buffer-one': 'BUFFER_ONE',
  'buffer-all': 'BUFFER_ALL',
  'cancel-other': 'CANCEL_OTHER',
  'terminate-other': 'TERMINATE_OTHER',
  'allow-all': 'ALLOW_ALL',
};

/** A whole number ≥ 1 from a flag, or a usage error naming it. */
function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new CliError(`--${flag}: must be a whole number ≥ 1, got "${value}"`, EXIT_CODES.usage);
  return Number(value);
}

/** The schedule id argument, or a usage error. */
function idOf(subcommand: string, positionals: string[]): string {
  const id = positionals[1];
  if (!id || positionals.length > 2)
    throw new CliError(`schedule ${subcommand}: give exactly one schedule id\n${USAGE}`, EXIT_CODES.usage);
  return id;
}

type Values = ParsedCommandArgs<typeof OPTIONS>['values'];

/** Ids of the schedules that start `buildPreAggregations`, sorted. */
async function buildScheduleIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const schedule of client.schedule.list()) {
    if (schedule.action?.type === 'startWorkflow' && schedule.action.workflowType === 'buildPreAggregations') {
      ids.push(schedule.scheduleId);
    }
  }
  return ids.sort();
}

/** What `schedule describe` reports of a build schedule (its `--json` shape). */
function summarize(description: ScheduleDescription) {
  const action = description.action;
  const args = action.type === 'startWorkflow' ? (action.args as unknown[] | undefined) : undefined;
  const input = args?.[0] as BuildPreAggregationsInput | undefined;
  return {
    scheduleId: description.scheduleId,
    paused: description.state.paused,
    note: description.state.note,
    selector: input?.selector,
    overlap: description.policies.overlap,
    nextRuns: description.info.nextActionTimes,
    recentRuns: description.info.recentActions.map((run) => ({
      scheduledAt: run.scheduledAt,
      workflowId: run.action.workflow.workflowId,
    })),
    runningWorkflowIds: description.info.runningActions.map((run) => run.workflow.workflowId),
    skippedOverlap: description.info.numActionsSkippedOverlap,
    runs: description.info.numActionsTaken,
  };
}

async function run(
  subcommand: (typeof SUBCOMMANDS)[number],
  positionals: string[],
  values: Values,
  io: CommandIo,
  temporal: TemporalAccess,
) {
  const client = temporal.client;
  const say = (text: string, json: unknown) => (values.json ? writeJson(io, json) : io.out.write(`${text}\n`));
  switch (subcommand) {
    case 'create': {
      const scheduleId = idOf(subcommand, positionals);
      const overlap = values.overlap === undefined ? undefined : OVERLAPS[values.overlap];
      if (values.overlap !== undefined && !overlap) {
        throw new CliError(
          `--overlap: must be one of ${Object.keys(OVERLAPS).join(', ')}, got "${values.overlap}"`,
          EXIT_CODES.usage,
        );
      }
      await createBuildSchedule(client, {
        scheduleId,
        selector: selectorFromFlags(values),
        spec: {
          ...(values.cron ? { cron: values.cron } : {}),
          ...(values.every ? { every: values.every as never } : {}),
          ...(values['schedule-timezone'] ? { timezone: values['schedule-timezone'] } : {}),
          ...(values.jitter ? { jitter: values.jitter as never } : {}),
        },
        taskQueue: temporal.taskQueue,
        ...(overlap ? { overlap } : {}),
        ...(values['catchup-window'] ? { catchupWindow: values['catchup-window'] as never } : {}),
        ...(values.paused ? { paused: true } : {}),
        ...(values.note ? { note: values.note } : {}),
      });
      say(`Created schedule ${scheduleId}`, { scheduleId, created: true });
      return EXIT_CODES.ok;
    }
    case 'list': {
      const ids = await buildScheduleIds(client);
      say(ids.join('\n') || '(no build schedules)', { schedules: ids });
      return EXIT_CODES.ok;
    }
    case 'describe': {
      const described = summarize(await client.schedule.getHandle(idOf(subcommand, positionals)).describe());
      const text = [
        `${described.scheduleId}: ${described.paused ? `paused${described.note ? ` (${described.note})` : ''}` : 'active'}, overlap ${described.overlap}`,
        `  selector: ${JSON.stringify(described.selector)}`,
        `  runs: ${described.runs}, skipped while one still built: ${described.skippedOverlap}, running: ${described.runningWorkflowIds.join(', ') || 'none'}`,
        `  next: ${described.nextRuns.map((date) => date.toISOString()).join(', ') || 'none'}`,
      ].join('\n');
      say(text, described);
      return EXIT_CODES.ok;
    }
    case 'pause':
    case 'unpause':
    case 'delete': {
      const scheduleId = idOf(subcommand, positionals);
      const schedule = client.schedule.getHandle(scheduleId);
      if (subcommand === 'pause') await schedule.pause(values.note);
      else if (subcommand === 'unpause') await schedule.unpause(values.note);
      else await schedule.delete();
      say(
        `${subcommand === 'delete' ? 'Deleted' : subcommand === 'pause' ? 'Paused' : 'Resumed'} schedule ${scheduleId}`,
        { scheduleId, [subcommand]: true },
      );
      return EXIT_CODES.ok;
    }
    case 'backfill': {
      for (const flag of ['from', 'to', 'granularity'] as const) {
        if (!values[flag]) throw new CliError(`schedule backfill: --${flag} is required\n${USAGE}`, EXIT_CODES.usage);
      }
      const maxBuilds = count('max-builds', values['max-builds']);
      const concurrency = count('concurrency', values.concurrency);
      const builds = await backfillBuilds(client, {
        selector: selectorFromFlags(values, { allowDateRange: false }),
        from: values.from as string,
        to: values.to as string,
        granularity: values.granularity as BackfillOptions['granularity'],
        taskQueue: temporal.taskQueue,
        ...(maxBuilds ? { maxBuilds } : {}),
        ...(concurrency ? { concurrency } : {}),
        ...(values.deployment ? { deployment: values.deployment } : {}),
        ...(values.json
          ? {}
          : {
              onBuild: (b) =>
                io.out.write(
                  `  ${b.dateRange.join('…')}  ${b.outcome}${b.jobs === undefined ? '' : `, ${b.jobs} job(s)`}${b.failureMessage ? `: ${b.failureMessage}` : ''}\n`,
                ),
            }),
      });
      const failed = builds.filter((b) => b.outcome === 'failed').length;
      say(`Backfill: ${builds.length - failed} of ${builds.length} build(s) succeeded`, { builds });
      return failed > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
    }
  }
}

/** The `schedule` command. */
export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'create, list, describe, pause, unpause or delete build schedules; backfill a range of partitions',
  usage: USAGE,
  async run(args, io) {
    const parsed = parseCommandArgs(args, OPTIONS, USAGE, io, true);
    if (!parsed) return EXIT_CODES.ok;
    const subcommand = parsed.positionals[0] as (typeof SUBCOMMANDS)[number] | undefined;
    if (!subcommand || !SUBCOMMANDS.includes(subcommand)) {
      throw new CliError(
        `schedule: unknown subcommand "${subcommand ?? ''}"; expected one of ${SUBCOMMANDS.join(', ')}\n${USAGE}`,
        EXIT_CODES.usage,
      );
    }
    if (subcommand !== 'create' && subcommand !== 'backfill') {
      // Fail on a flag that means nothing here before connecting.
      const stray = Object.keys(parsed.values).filter((flag) => !['json', 'note', 'task-queue'].includes(flag));
      if (stray.length > 0)
        throw new CliError(`schedule ${subcommand}: --${stray[0]} does not apply\n${USAGE}`, EXIT_CODES.usage);
    }
    const temporal = await connectTemporal(parsed.values['task-queue'], io.env);
    try {
      return await run(subcommand, parsed.positionals, parsed.values, io, temporal);
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) {
        throw new CliError(
          `schedule ${subcommand}: no schedule "${parsed.positionals[1] ?? ''}" in namespace ${temporal.namespace}`,
          EXIT_CODES.usage,
          { cause: error },
        );
      }
      throw error;
    } finally {
      await temporal.close();
    }
  },
};

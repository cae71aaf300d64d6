/**
 * `cube-jobs status <token…>`: each job's status, as Cube reports it.
 *
 * @module
 */
import type { JobMerge } from '@cube-jobs/core';
import { asCubeAccessError, cubeClient, readCubeAccess } from '../cube.js';
import { parseCommandArgs, writeJson, type Command } from '../command.js';
import { CliError, EXIT_CODES } from '../exit.js';
import { shortTableName } from '../progress.js';

const USAGE = `Usage: cube-jobs status <token…> [--json] [--url <Cube API URL>]

Prints each job's state and table. A job Cube merged into an identical build among the tokens (Cube
reads it missing_partition for good) shows that build's state when this read can tell.
Exit 0 when no job failed, 1 when one did.
Cube: --url or CUBE_API_URL, with CUBE_API_SECRET or CUBE_API_TOKEN.`;

/** How a job Cube merged into another build is marked: Cube reads it `missing_partition`, its state is the other's. */
function mergeNote(merge: JobMerge | undefined): string {
  if (!merge) return '';
  return merge.token ? `  (merged into ${merge.token})` : '  (Cube merged it into another build of this partition)';
}

/** The `status` command. */
export const statusCommand: Command = {
  name: 'status',
  summary: "read jobs' statuses by token",
  usage: USAGE,
  async run(args, io) {
    const parsed = parseCommandArgs(args, { url: { type: 'string' } }, USAGE, io, true);
    if (!parsed) return EXIT_CODES.ok;
    const tokens = parsed.positionals;
    if (tokens.length === 0) throw new CliError(`status: give at least one job token\n${USAGE}`, EXIT_CODES.usage);
    const access = readCubeAccess(parsed.values.url, io.env);
    const jobs = await cubeClient(access)
      .getJobStatuses(tokens)
      .catch((error: unknown) => {
        throw asCubeAccessError(access.apiUrl, error);
      });
    if (parsed.values.json) {
      writeJson(io, {
        jobs: jobs.map((job) => ({
          token: job.token,
          state: job.state,
          status: job.raw,
          table: job.table ?? null,
          ...(job.merge ? { mergedInto: job.merge.token ?? null } : {}),
        })),
      });
    } else {
      for (const job of jobs) {
        io.out.write(
          `${job.token}  ${job.state.padEnd(18)} ${job.table ? shortTableName(job.table) : ''}${job.state === 'failure' ? `  ${job.raw}` : ''}${mergeNote(job.merge)}\n`,
        );
      }
    }
    return jobs.some((job) => job.state === 'failure') ? EXIT_CODES.failed : EXIT_CODES.ok;
  },
};

/**
 * `cube-jobs verify <token…>`: proves that Cube serves what `done` jobs built (Cube can say `done` for a
 * partition it does not serve, cube-js/cube #11609), with core's `verifyJobs`: one query per partition
 * (`/v1/load`, scope `data`) after the model (`/v1/meta?extended`, scope `meta`). Also the printing of
 * verifications and the `--min-rows` flag, which `build --verify` shares.
 *
 * @module
 */
import type { CubeJobsClient, PartitionVerification } from '@cube-jobs/core';
import { parseCommandArgs, writeJson, type Command } from '../command.js';
import { asCubeAccessError, cubeClient, readCubeAccess, type CubeAccess } from '../cube.js';
import { CliError, EXIT_CODES } from '../exit.js';
import { shortTableName } from '../progress.js';

const USAGE = `Usage: cube-jobs verify <token…> [--min-rows N] [--json] [--url <Cube API URL>]

Proves that Cube serves what done jobs built (Cube can say done for a partition it does not serve): one
query per partition from its pre-aggregation. Prints each job's outcome, table, partition, rows and the
problem. A job that is not done, or that no query can check, is unchecked: reported, not failed.
Exit 0 when no partition failed verification, 1 when one did.

  --min-rows <N>   fewest rows each partition must have (a whole number, default 0)

Cube: --url or CUBE_API_URL, with CUBE_API_SECRET (each query then runs under its job's security
context) or CUBE_API_TOKEN. The credentials need the data and meta scopes besides jobs.`;

/** The most `--min-rows` may ask (as the workflow's `verify.minRows`). */
const MAX_MIN_ROWS = 1_000_000;

/** Reads `--min-rows`: a whole number from 0; a usage error (exit 2) otherwise. */
export function parseMinRows(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const minRows = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(minRows) || minRows > MAX_MIN_ROWS) {
    throw new CliError(
      `--min-rows: must be a whole number from 0 to ${MAX_MIN_ROWS}, got "${value}"`,
      EXIT_CODES.usage,
    );
  }
  return minRows;
}

/**
 * Verifies the tokens' jobs. Cube unreachable, credentials refused or a scope missing is a
 * {@link CliError} (exit 3); a missing `data` or `meta` scope is named with how to grant it.
 */
export async function verifyPartitions(
  client: CubeJobsClient,
  access: CubeAccess,
  tokens: readonly string[],
  minRows: number | undefined,
): Promise<PartitionVerification[]> {
  try {
    return await client.verifyJobs(tokens, minRows === undefined ? {} : { minRows });
  } catch (error) {
    throw asCubeAccessError(access.apiUrl, error);
  }
}

/** Whether a partition failed verification (unchecked ones do not count). */
export function anyVerificationFailed(verifications: readonly PartitionVerification[]): boolean {
  return verifications.some((verification) => verification.outcome === 'failed');
}

/** How many partitions had each outcome, e.g. `2 verified, 1 failed`. */
export function summarizeVerifications(verifications: readonly Pick<PartitionVerification, 'outcome'>[]): string {
  const counts = (['verified', 'failed', 'unchecked'] as const)
    .map((outcome) => [outcome, verifications.filter((v) => v.outcome === outcome).length] as const)
    .filter(([, n]) => n > 0);
  return counts.length === 0 ? 'no partitions' : counts.map(([outcome, n]) => `${n} ${outcome}`).join(', ');
}

/** A partition's range, shortened: whole days as dates (`2024-01-01..2024-01-31`), else to the minute. */
function describeRange(verification: PartitionVerification): string {
  if (!verification.dateRange) return '';
  const [start, end] = verification.dateRange;
  const days = start.endsWith('T00:00:00.000') && end.endsWith('T23:59:59.999');
  const range = days
    ? `${start.slice(0, 10)}..${end.slice(0, 10)}`
    : `${start.replace(/:00\.000$/, '')}..${end.replace(/:59\.999$/, '')}`;
  const zone = verification.timezone && verification.timezone !== 'UTC' ? ` ${verification.timezone}` : '';
  return `${range}${zone}`;
}

/** One line per partition: outcome, table, partition range, rows, and the problem (columns aligned). */
export function printVerifications(
  out: NodeJS.WritableStream,
  verifications: readonly PartitionVerification[],
  indent = '',
): void {
  const rows = verifications.map((v) => [
    v.outcome,
    v.table ? shortTableName(v.table) : `(token ${v.token})`,
    describeRange(v),
    v.rows === undefined ? '' : `${v.rows} row(s)`,
    v.problem ?? '',
  ]);
  const widths = [0, 1, 2, 3].map((column) => Math.max(0, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of rows) {
    const line = row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
    out.write(`${indent}${line.trimEnd()}\n`);
  }
}

/** The `verify` command. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'prove that Cube serves what done jobs built (one query per partition)',
  usage: USAGE,
  async run(args, io) {
    const parsed = parseCommandArgs(args, { url: { type: 'string' }, 'min-rows': { type: 'string' } }, USAGE, io, true);
    if (!parsed) return EXIT_CODES.ok;
    const tokens = parsed.positionals;
    if (tokens.length === 0) throw new CliError(`verify: give at least one job token\n${USAGE}`, EXIT_CODES.usage);
    const minRows = parseMinRows(parsed.values['min-rows']);
    const access = readCubeAccess(parsed.values.url, io.env);
    const partitions = await verifyPartitions(cubeClient(access), access, tokens, minRows);
    if (parsed.values.json) writeJson(io, { partitions });
    else {
      printVerifications(io.out, partitions);
      io.out.write(`Verification: ${summarizeVerifications(partitions)}\n`);
    }
    return anyVerificationFailed(partitions) ? EXIT_CODES.failed : EXIT_CODES.ok;
  },
};

/**
 * Follows a running build and shows live per-partition progress: a progress bar on a TTY, one line
 * per change otherwise.
 *
 * @module
 */
import {
  describeBuildProgress,
  type BuildPreAggregationsResult,
  type LiveBuildProgress,
} from '@cube-jobs/temporal-workflows';
import type { WorkflowHandle } from '@temporalio/client';

/** A readable name for a table: without schema and version suffixes (display only). */
export function shortTableName(table: string | undefined): string {
  if (!table) return '(unknown table)';
  return table.replace(/^[^.]+\./, '').replace(/_[a-z0-9]+_[a-z0-9]+_[a-z0-9]+$/, '');
}

function bar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Polls the build's live progress until `result` settles, writing what changed. */
export async function followBuild<T extends BuildPreAggregationsResult>(
  handle: WorkflowHandle,
  result: Promise<T>,
  out: NodeJS.WriteStream = process.stdout,
): Promise<T> {
  const tty = out.isTTY === true;
  const seen = new Map<string, string>();
  let settled = false;
  void result.then(
    () => (settled = true),
    () => (settled = true),
  );
  const show = (progress: LiveBuildProgress) => {
    for (const job of progress.jobs) {
      const key = `${job.state}|${job.table ?? ''}`;
      if (seen.get(job.token) === key) continue;
      seen.set(job.token, key);
      if (!tty && job.table) out.write(`    ${shortTableName(job.table).padEnd(36)} ${job.state}\n`);
    }
    if (tty) {
      const finished = progress.counts.done + progress.counts.failure;
      const states = Object.entries(progress.counts)
        .filter(([, n]) => n > 0)
        .map(([state, n]) => `${state} ${n}`)
        .join(', ');
      out.write(
        `\r    ${bar(finished, progress.jobs.length)} ${finished}/${progress.jobs.length}  ${states}  (${(progress.elapsedMs / 1000).toFixed(1)} s)\x1b[K`,
      );
    }
  };
  while (!settled) {
    try {
      show(await describeBuildProgress(handle));
    } catch {
      // the workflow may not have answered its first query yet
    }
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 200))]);
  }
  try {
    show(await describeBuildProgress(handle));
  } catch {
    // a failed workflow still answers queries; if not, the result below says why
  }
  if (tty) out.write('\n');
  return result;
}

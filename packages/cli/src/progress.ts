/**
 * Live build progress for people: a progress bar on a TTY, one line per job change otherwise. Works for
 * a direct wait (core's `onProgress`) and for a running workflow (its query and heartbeat details).
 *
 * @module
 */
import { describeBuildProgress } from '@cube-jobs/temporal-workflows';
import type { BuildPreAggregationsResult, BuildProgress } from '@cube-jobs/temporal-workflows/workflow-safe';
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

/** One job as the printer sees it. */
export interface ProgressJob {
  readonly token: string;
  readonly state: string;
  readonly table?: string | undefined;
}

/** Prints what changed since the last update. */
export interface ProgressPrinter {
  update(jobs: readonly ProgressJob[], elapsedMs: number): void;
  /** Ends the bar's line (TTY). */
  end(): void;
}

/** A printer on `out`: a bar on a TTY, plain lines (`<table> <state>`) otherwise. */
export function createProgressPrinter(
  out: NodeJS.WritableStream & { isTTY?: boolean },
  indent = '    ',
): ProgressPrinter {
  const tty = out.isTTY === true;
  const seen = new Map<string, string>();
  let drawn = false;
  return {
    update(jobs, elapsedMs) {
      for (const job of jobs) {
        const key = `${job.state}|${job.table ?? ''}`;
        if (seen.get(job.token) === key) continue;
        seen.set(job.token, key);
        if (!tty && job.table) out.write(`${indent}${shortTableName(job.table).padEnd(36)} ${job.state}\n`);
      }
      if (!tty) return;
      const counts = new Map<string, number>();
      for (const job of jobs) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
      const finished = (counts.get('done') ?? 0) + (counts.get('failure') ?? 0);
      const states = [...counts].map(([state, n]) => `${state} ${n}`).join(', ');
      out.write(
        `\r${indent}${bar(finished, jobs.length)} ${finished}/${jobs.length}  ${states}  (${(elapsedMs / 1000).toFixed(1)} s)\x1b[K`,
      );
      drawn = true;
    },
    end() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

/** Polls a running build's live progress until `result` settles, printing what changed. */
export async function followBuild<T extends BuildPreAggregationsResult>(
  handle: WorkflowHandle,
  result: Promise<T>,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Promise<T> {
  const printer = createProgressPrinter(out);
  let settled = false;
  void result.then(
    () => (settled = true),
    () => (settled = true),
  );
  const show = (progress: BuildProgress) => printer.update(progress.jobs, progress.elapsedMs);
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
    // a failed workflow still answers queries; if not, the result says why
  }
  printer.end();
  return result;
}

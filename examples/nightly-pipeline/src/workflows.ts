/**
 * The pipeline's workflows module. It runs in Temporal's sandbox, so it imports cube-jobs from the
 * workflow-safe entries (`@cube-jobs/temporal-workflows/workflow-safe`, `@cube-jobs/core/protocol`), and
 * re-exports cube-jobs' workflows so the same worker runs the child (and refresh requests).
 */
import { ApplicationFailure, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { ERROR_NAMES } from '@cube-jobs/core/protocol';
import {
  buildPreAggregations,
  type PreAggregationBuildFailedDetails,
} from '@cube-jobs/temporal-workflows/workflow-safe';
import type { PipelineActivities } from './activities.js';

export * from '@cube-jobs/temporal-workflows/workflows';

const { loadData, report } = proxyActivities<PipelineActivities>({ startToCloseTimeout: '5 minutes' });

/** Loads a day of data, then rebuilds that month's partition of `orders.by_month` for each tenant. */
export async function nightlyPipeline(input: { day: string; tenants: string[] }): Promise<{ jobsBuilt: number }> {
  await loadData(input.day);
  try {
    const build = await executeChild(buildPreAggregations, {
      workflowId: `${workflowInfo().workflowId}-build`,
      args: [
        {
          selector: {
            contexts: input.tenants.map((tenant) => ({ securityContext: { tenant } })),
            timezones: ['UTC'],
            preAggregations: ['orders.by_month'],
            dateRange: [`${input.day.slice(0, 7)}-01`, input.day],
          },
          wait: { deadline: '2 hours' },
        },
      ],
    });
    await report({ day: input.day, outcome: 'succeeded', jobs: build.jobs.length });
    return { jobsBuilt: build.jobs.length };
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined;
    if (!(cause instanceof ApplicationFailure && cause.type === ERROR_NAMES.buildFailed)) throw error;
    // Every failed partition: its table, Cube's status (`failure: <Cube's message>`) and its security context.
    const { failedJobs } = cause.details?.[0] as PreAggregationBuildFailedDetails;
    const failed = failedJobs.map((job) => `${job.table ?? job.target?.preAggregation} (${job.status ?? job.state})`);
    await report({ day: input.day, outcome: 'failed', jobs: failedJobs.length, message: failed.join('; ') });
    throw ApplicationFailure.nonRetryable(`Pre-aggregations not rebuilt: ${failed.join('; ')}`, 'PipelineBuildFailed', {
      failedTables: failedJobs.map((job) => job.table ?? job.token),
    });
  }
}

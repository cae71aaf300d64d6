/**
 * The pipeline's workflows module. It runs in Temporal's sandbox, so it imports cube-jobs from the
 * workflow-safe entries (`@cube-jobs/temporal-workflows/workflow-safe`, `@cube-jobs/core/protocol`), and
 * re-exports cube-jobs' workflows so the same worker runs the child (and refresh requests).
 */
import { ApplicationFailure, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { ERROR_NAMES, type PreAggregationSelectorInput } from '@cube-jobs/core/protocol';
import { buildPreAggregations, type BuildPreAggregationsResult } from '@cube-jobs/temporal-workflows/workflow-safe';
import type { PipelineActivities } from './activities.js';

export * from '@cube-jobs/temporal-workflows/workflows';

const { loadData, report } = proxyActivities<PipelineActivities>({ startToCloseTimeout: '5 minutes' });

/** Input of {@link nightlyPipeline}. */
export interface NightlyPipelineInput {
  /** The day whose data is loaded, `YYYY-MM-DD`. */
  readonly day: string;
  /** The tenants whose pre-aggregations are rebuilt. */
  readonly tenants: readonly string[];
}

/** What {@link nightlyPipeline} returns. */
export interface NightlyPipelineResult {
  readonly rowsLoaded: number;
  readonly jobsBuilt: number;
  readonly outcome: BuildPreAggregationsResult['outcome'] | 'failed';
}

/** Loads a day of data, rebuilds that month's partitions of the orders rollup, then reports. */
export async function nightlyPipeline(input: NightlyPipelineInput): Promise<NightlyPipelineResult> {
  const rowsLoaded = await loadData(input.day);
  const month = input.day.slice(0, 7);
  const selector: PreAggregationSelectorInput = {
    contexts: input.tenants.map((tenant) => ({ securityContext: { tenant } })),
    timezones: ['UTC'],
    preAggregations: ['orders.by_month'],
    dateRange: [`${month}-01`, input.day],
  };
  try {
    const build = await executeChild(buildPreAggregations, {
      workflowId: `${workflowInfo().workflowId}-build`,
      args: [{ selector, wait: { pollInterval: '1s', deadline: '2 hours' } }],
    });
    await report({ day: input.day, outcome: build.outcome, jobs: build.jobs.length });
    return { rowsLoaded, jobsBuilt: build.jobs.length, outcome: build.outcome };
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === ERROR_NAMES.buildFailed) {
      await report({ day: input.day, outcome: 'failed', jobs: 0, message: cause.message });
      return { rowsLoaded, jobsBuilt: 0, outcome: 'failed' };
    }
    throw error;
  }
}

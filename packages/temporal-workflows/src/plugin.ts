/**
 * `cubeJobsPlugin`: one entry in `Worker.create({ plugins })` registers the cube-jobs activities and,
 * unless the worker brings workflow code of its own, our workflows (`buildPreAggregations`,
 * `refreshPreAggregations`).
 *
 * Built on Temporal's `SimplePlugin`: activities are appended to the worker's own, and a worker with its
 * own `workflowsPath` or pre-built `workflowBundle` keeps it (re-export ours there,
 * `export * from '@cube-jobs/temporal-workflows/workflows'`, so the worker runs them too).
 *
 * @module
 */
import { createCubeJobsActivities, type CubeJobsActivitiesOptions } from '@cube-jobs/temporal-activities';
import { SimplePlugin } from '@temporalio/plugin';
import type { ReplayWorkerOptions, WorkerOptions } from '@temporalio/worker';
import { workflowsPath } from './workflows-path.js';

/** The plugin's name, as Temporal reports it. */
export const CUBE_JOBS_PLUGIN_NAME = 'cube-jobs';

/** Options of {@link cubeJobsPlugin}. */
export interface CubeJobsPluginOptions extends CubeJobsActivitiesOptions {
  /**
   * Register `buildPreAggregations` when the worker has no workflow code of its own (no `workflowsPath`,
   * no `workflowBundle`). `false` registers the activities only.
   * @default true
   */
  readonly registerWorkflows?: boolean;
}

/** Whether worker options already name their workflow code. */
function hasWorkflowCode(options: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'>): boolean {
  return options.workflowsPath !== undefined || options.workflowBundle !== undefined;
}

/** The worker plugin; create it with {@link cubeJobsPlugin}. */
export class CubeJobsPlugin extends SimplePlugin {
  readonly #registerWorkflows: boolean;

  /** Creates the activities around `options.client` (its credentials stay in the worker). */
  constructor(options: CubeJobsPluginOptions) {
    if (typeof options?.client?.triggerBuild !== 'function') {
      throw new TypeError('cubeJobsPlugin: options.client must be a client made by createCubeJobsClient');
    }
    super({ name: CUBE_JOBS_PLUGIN_NAME, activities: createCubeJobsActivities({ client: options.client }) });
    this.#registerWorkflows = options.registerWorkflows ?? true;
  }

  /** Appends the activities; adds `buildPreAggregations` when the worker has no workflow code of its own. */
  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    if (!this.#registerWorkflows || hasWorkflowCode(configured)) return configured;
    return { ...configured, workflowsPath };
  }

  /** Replays `buildPreAggregations` histories when the replay worker has no workflow code of its own. */
  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const configured = super.configureReplayWorker(options);
    if (!this.#registerWorkflows || hasWorkflowCode(configured)) return configured;
    return { ...configured, workflowsPath };
  }
}

/**
 * A Temporal worker plugin that hosts the cube-jobs activities around `client` and, unless the worker
 * has its own workflow code, the `buildPreAggregations` workflow.
 *
 * @example
 * ```ts
 * const client = createCubeJobsClient({ apiUrl, apiSecret, maxRetries: 0 });
 * const worker = await Worker.create({ connection, taskQueue: 'cube-jobs', plugins: [cubeJobsPlugin({ client })] });
 * ```
 */
export function cubeJobsPlugin(options: CubeJobsPluginOptions): CubeJobsPlugin {
  return new CubeJobsPlugin(options);
}

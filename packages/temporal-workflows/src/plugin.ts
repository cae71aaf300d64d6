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
import {
  createCubeJobsActivities,
  handOverWaits,
  type CubeJobsActivities,
  type CubeJobsActivitiesOptions,
} from '@cube-jobs/temporal-activities';
import { SimplePlugin } from '@temporalio/plugin';
import type { ReplayWorkerOptions, Worker, WorkerOptions } from '@temporalio/worker';
import { cubeJobsNexusServiceHandler } from './nexus-handlers.js';
import { assertSearchAttributesRegistered } from './search-attributes-check.js';
import { workflowsPath } from './workflows-path.js';

/** The plugin's name, as Temporal reports it (`plugin.name`). */
const CUBE_JOBS_PLUGIN_NAME = 'cube-jobs';

/** Options of {@link cubeJobsPlugin}. */
export interface CubeJobsPluginOptions extends CubeJobsActivitiesOptions {
  /**
   * Register `buildPreAggregations` when the worker has no workflow code of its own (no `workflowsPath`,
   * no `workflowBundle`). `false` registers the activities only.
   * @default true
   */
  readonly registerWorkflows?: boolean;
  /**
   * Serve the `cube-jobs` Nexus service (`buildPreAggregations`, `requestRefresh`) on the worker's task
   * queue, for callers in other namespaces and SDKs; create an endpoint that targets it with
   * `temporal operator nexus endpoint create --name cube-jobs --target-namespace <ns> --target-task-queue <queue>`.
   * `deployment` names the Cube deployment in the builds' workflow ids. @default false
   */
  readonly nexus?: boolean | { readonly deployment?: string | undefined };
}

/** Whether worker options already name their workflow code. */
function hasWorkflowCode(options: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'>): boolean {
  return options.workflowsPath !== undefined || options.workflowBundle !== undefined;
}

/** The worker plugin {@link cubeJobsPlugin} creates (not exported: users hold it as a `SimplePlugin`). */
class CubeJobsPlugin extends SimplePlugin {
  readonly #registerWorkflows: boolean;
  readonly #searchAttributes: boolean;
  readonly #activities: CubeJobsActivities;

  /** Creates the activities around `options.client` (its credentials stay in the worker). */
  constructor(options: CubeJobsPluginOptions) {
    if (typeof options?.client?.triggerBuild !== 'function') {
      throw new TypeError('cubeJobsPlugin: options.client must be a client made by createCubeJobsClient');
    }
    const searchAttributes = options.searchAttributes ?? false;
    const nexus = options.nexus === true ? {} : options.nexus || undefined;
    const activities = createCubeJobsActivities({ client: options.client, searchAttributes });
    super({
      name: CUBE_JOBS_PLUGIN_NAME,
      activities,
      ...(nexus ? { nexusServices: [cubeJobsNexusServiceHandler(nexus)] } : {}),
    });
    this.#registerWorkflows = options.registerWorkflows ?? true;
    this.#searchAttributes = searchAttributes;
    this.#activities = activities;
  }

  /**
   * With search attributes on, checks that the worker's namespace has them before it polls for work;
   * if not, the worker is released unstarted and `run()` rejects with the check's error. Once the worker
   * has stopped, hands the builds it was waiting on over to other workers (`handOverWaits`).
   */
  override async runWorker(worker: Worker, next: (worker: Worker) => Promise<void>): Promise<void> {
    if (this.#searchAttributes && worker.connection) {
      try {
        await assertSearchAttributesRegistered(worker.connection, worker.options.namespace);
      } catch (error) {
        // The SDK frees a worker's native resources only through a run: start it and shut it down at
        // once (both synchronous, so it takes no task), then report the check's error.
        const stopped = super.runWorker(worker, next);
        worker.shutdown();
        await stopped.catch(() => undefined);
        throw error;
      }
    }
    try {
      return await super.runWorker(worker, next);
    } finally {
      await handOverWaits(this.#activities);
    }
  }

  /**
   * Appends the activities; adds `buildPreAggregations` when the worker has no workflow code of its own.
   * Refuses a deployment version without versioning: builds on a worker with a deployment version declare
   * `AUTO_UPGRADE`, which the server rejects at every workflow task unless versioning is on.
   */
  override configureWorker(options: WorkerOptions): WorkerOptions {
    if (options.workerDeploymentOptions && !options.workerDeploymentOptions.useWorkerVersioning) {
      throw new TypeError(
        'cubeJobsPlugin: workerDeploymentOptions names a version but useWorkerVersioning is false. Builds on a ' +
          "worker with a deployment version declare versioningBehavior 'AUTO_UPGRADE', which Temporal rejects " +
          'without versioning: set useWorkerVersioning: true (see docs/deployment.md) or leave workerDeploymentOptions out.',
      );
    }
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
 * A Temporal worker plugin (named `cube-jobs`) that hosts the cube-jobs activities around `client` and,
 * unless the worker has its own workflow code, the `buildPreAggregations` and `refreshPreAggregations`
 * workflows. With `searchAttributes: true`, the worker checks its namespace when it starts and `run()`
 * rejects with `CubeJobsSearchAttributesMissingError` when attributes are missing.
 *
 * @example
 * ```ts
 * const client = createCubeJobsClient({ apiUrl, apiSecret });
 * const worker = await Worker.create({ connection, taskQueue: 'cube-jobs', plugins: [cubeJobsPlugin({ client })] });
 * ```
 */
export function cubeJobsPlugin(options: CubeJobsPluginOptions): SimplePlugin {
  return new CubeJobsPlugin(options);
}

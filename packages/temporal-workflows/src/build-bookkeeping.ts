/**
 * The build's bookkeeping, kept out of its control flow: the phase and the `getBuildProgress` query,
 * the timeline's current details, the search attributes, the metrics and the logs.
 *
 * Workflow-safe: imports `@temporalio/workflow` only.
 *
 * @module
 */
import type { PreAggregationSelector } from '@cube-jobs/core/protocol';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { defineQuery, log, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { countByState, unfinishedJobs } from './job-records.js';
import { recordBuildEnd, recordRetriggeredJobs } from './metrics.js';
import type { RetriggerPlan } from './retrigger-plan.js';
import { isMergedRepost } from './retrigger-plan.js';
import { phaseSearchAttributes, selectorSearchAttributes } from './search-attributes.js';
import { describeSelector } from './summaries.js';
import type { BuildPhase, BuildProgress, BuildState } from './types.js';

/** Query: what the build is doing now. */
export const getBuildProgress = defineQuery<BuildProgress>('getBuildProgress');

/** Phases a build ends in. */
const FINAL_PHASES: ReadonlySet<BuildPhase> = new Set(['succeeded', 'failed', 'cancelled']);

/** Records what a build does, where users and operators look: query, timeline, search attributes, metrics, logs. */
export class BuildBookkeeping {
  /** What the build is doing. */
  phase: BuildPhase = 'triggering';
  /** Whether the build upserts search attributes (the trigger's worker said so; recorded in history). */
  private upsertsSearchAttributes = false;
  /** What the build builds, as search attributes, until the first phase change upserts it with the phase. */
  private selectorAttributes: SearchAttributeUpdatePair[] = [];

  constructor(
    private readonly selector: PreAggregationSelector,
    private readonly state: BuildState,
  ) {
    setHandler(getBuildProgress, () => ({
      phase: this.phase,
      counts: countByState(state.jobs),
      jobs: state.jobs.map(({ token, state: jobState, table, attempt }) => ({
        token,
        state: jobState,
        table,
        attempt,
      })),
      triggers: state.triggers,
      polls: state.polls,
      elapsedMs: Date.now() - state.startedAtMs,
    }));
    this.showDetails();
  }

  /** The first trigger's worker has search attributes on: from now on the build upserts them. */
  upsertSearchAttributes(): void {
    if (this.upsertsSearchAttributes) return;
    this.upsertsSearchAttributes = true;
    this.selectorAttributes = selectorSearchAttributes(this.selector);
  }

  /** The first trigger returned its jobs. */
  triggered(): void {
    log.info('Build triggered', { selector: describeSelector(this.selector), jobs: this.state.jobs.length });
    this.enter('waiting');
  }

  /** A wait ended: its statuses are in the state. */
  waited(): void {
    this.showDetails();
  }

  /** Jobs are about to be triggered again. */
  retriggering(plan: RetriggerPlan): void {
    this.enter('retriggering');
    log.info('Triggering jobs again', {
      jobs: plan.retrigger.length,
      posts: plan.posts.length,
      mergedIntoUnknownBuilds: plan.retrigger.filter(isMergedRepost).length,
      backoffMs: plan.backoffMs,
    });
    recordRetriggeredJobs(plan.retrigger.length);
  }

  /** Moves to a phase: upserts it (one event per change) and, for a final one, records the build's end. */
  enter(next: BuildPhase): void {
    this.phase = next;
    const notBuilt = this.state.jobs.filter((job) => job.state !== 'done').length;
    if (FINAL_PHASES.has(next)) this.recordEnd(next, notBuilt);
    if (this.upsertsSearchAttributes) {
      upsertSearchAttributes([
        ...this.selectorAttributes,
        ...phaseSearchAttributes(next, FINAL_PHASES.has(next) ? notBuilt : undefined),
      ]);
      this.selectorAttributes = [];
    }
    this.showDetails();
  }

  private recordEnd(outcome: BuildPhase, notBuilt: number): void {
    const { state } = this;
    const durationMs = Date.now() - state.startedAtMs;
    recordBuildEnd(outcome as 'succeeded' | 'failed' | 'cancelled', durationMs, state.jobs);
    log.info('Build ended', {
      outcome,
      selector: describeSelector(this.selector),
      jobs: state.jobs.length,
      notBuilt,
      triggers: state.triggers,
      retriggeredJobs: state.retriggered,
      durationMs,
    });
    if (outcome === 'cancelled') {
      // Cube's jobs API cannot cancel a build: report what keeps running there.
      log.warn('Build cancelled; Cube keeps building the unfinished jobs', {
        unfinished: unfinishedJobs(state.jobs).map((job) => job.table ?? job.token),
      });
    }
  }

  /** The timeline's "current details": the phase and the jobs' counts (no history cost: read by query). */
  private showDetails(): void {
    const counts = countByState(this.state.jobs);
    const done = `${counts.done}/${this.state.jobs.length} done${counts.failure ? `, ${counts.failure} failed` : ''}`;
    setCurrentDetails(`${this.phase}: ${describeSelector(this.selector)} (${done})`);
  }
}

/**
 * What every fault case shares: the Temporal server (the dev server with a database file, or the
 * production-shaped cluster on PostgreSQL with `--temporal=cluster`; either can be restarted) and a
 * client for it, the fake Cubes started so far, everything produced for the final secret scan, and
 * helpers to start workers and builds. One {@link FaultSuite} is created by `main.ts` and handed to each
 * case; nothing here runs at import. How cases wait and count is in `checks.ts`.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCubeJobsClient, type CubeJobsClientOptions } from '@cube-jobs/core';
import { createCubeJobsActivities } from '@cube-jobs/temporal-activities';
import { workflowsPath } from '@cube-jobs/temporal-workflows';
import { buildPreAggregations, type BuildPreAggregationsInput } from '@cube-jobs/temporal-workflows/workflow-safe';
import { spawnWorkerProcess } from '@cube-jobs/dev-tools';
import { startFakeCube, type FakeCube, type FakeCubeOptions } from '@cube-jobs/testing';
import { startTemporalCluster } from '@cube-jobs/temporal-cluster';
import { startDevServer } from '@cube-jobs/testing/temporal';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { sleep } from './checks.js';

/** The Temporal API key every connection of the suite sends (the secret scan looks for it). */
export const TEMPORAL_API_KEY = 'tk-fault-suite-temporal-api-key-5c1d9e';

/** Writes one line of the report. */
export const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/** The selector most cases build: the six monthly partitions of `orders.by_month`. */
export const selector = {
  contexts: [{ securityContext: {} }],
  timezones: ['UTC'],
  preAggregations: ['orders.by_month'],
};

/**
 * Builds of a case get their own security context (as tenants would), so their tables differ: builds
 * of the very same partitions in the same second collide in Cube, which the quirks case covers on its own.
 */
export const selectorFor = (i: number) => ({ ...selector, contexts: [{ securityContext: { tenant: `t${i}` } }] });

/** Fast polling and a short heartbeat timeout, so takeovers happen within seconds. */
export const fastWait = { pollInterval: 100, maxPollInterval: 500, heartbeatTimeout: '2s' } as const;

/** One row of the report. */
export interface CaseResult {
  readonly name: string;
  readonly runs: number;
  readonly completed: number;
  readonly duplicatePosts: number;
  /** What "completed" means for the case, and other figures. */
  readonly note: string;
  /** False when the case saw something it must never see (beyond the counts). */
  readonly ok: boolean;
}

/** Where a worker's client points: the fake or the real sample Cube. */
export type CubeEndpoint = Pick<FakeCube, 'url' | 'apiSecret'>;

/** How a build ended, as {@link FaultSuite.settle} reports it. */
export type BuildEnd = 'ok' | 'failed' | 'hang';

/** A workflow error as one line of text (with the cause's stack), for reports and the secret scan. */
export function describeError(error: unknown): string {
  if (error instanceof WorkflowFailedError)
    return `${error.message}: ${error.cause?.message ?? ''} ${error.cause?.stack ?? ''}`;
  return error instanceof Error ? `${error.message} ${error.stack ?? ''}` : String(error);
}

/** Which Temporal the suite runs on. */
export type TemporalKind = 'dev-server' | 'cluster';

/** The Temporal server under test: its frontend, and how to restart and stop it. */
export interface TemporalUnderTest {
  readonly kind: TemporalKind;
  /** gRPC address of the frontend. */
  readonly address: string;
  /** What a restart restarts, for the report. */
  readonly restartNote: string;
  /** Stops it and starts it again on the same ports and data (the cluster: its PostgreSQL too). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the dev server (a database file in `dataDir`) or the cluster (PostgreSQL, several history hosts). */
async function startTemporal(kind: TemporalKind, dataDir: string): Promise<TemporalUnderTest> {
  if (kind === 'cluster') {
    const cluster = await startTemporalCluster({ log: (message) => say(message) });
    return {
      kind,
      address: cluster.address,
      restartNote: 'every service and PostgreSQL, same ports and databases',
      restart: () => cluster.restart({ postgres: true }),
      stop: () => cluster.stop(),
    };
  }
  const dbFilename = join(dataDir, 'temporal.db');
  let server = await startDevServer({ dbFilename });
  return {
    kind,
    get address() {
      return server.address;
    },
    restartNote: 'same port and database file',
    async restart() {
      const { port, uiPort } = server;
      await server.stop();
      await sleep(1000);
      server = await startDevServer({ port, uiPort, dbFilename });
    },
    stop: () => server.stop(),
  };
}

/** The suite's shared state and helpers. */
export class FaultSuite {
  /** Everything produced, for the final secret scan. */
  readonly produced = { errors: [] as string[], secrets: new Set<string>([TEMPORAL_API_KEY]), fakes: [] as FakeCube[] };
  private current: { server: TemporalUnderTest; connection: Connection; client: Client } | undefined;
  /** Worker processes spawned, so that none outlives the suite (a case that threw leaves its own). */
  private readonly children: ChildProcess[] = [];

  private constructor(
    /** Where the dev server keeps its database file. */
    readonly dataDir: string,
    /** Every log line the in-process workers wrote. */
    readonly logs: readonly string[],
  ) {}

  /** Starts the Temporal server and connects a client. */
  static async start(dataDir: string, logs: readonly string[], kind: TemporalKind = 'dev-server'): Promise<FaultSuite> {
    const suite = new FaultSuite(dataDir, logs);
    const server = await startTemporal(kind, dataDir);
    suite.current = { server, ...(await FaultSuite.connect(server)) };
    return suite;
  }

  private static async connect(server: TemporalUnderTest): Promise<{ connection: Connection; client: Client }> {
    const connection = await Connection.connect({ address: server.address, apiKey: TEMPORAL_API_KEY, tls: false });
    return { connection, client: new Client({ connection }) };
  }

  private get running() {
    if (!this.current) throw new Error('The fault suite has not started, or has stopped');
    return this.current;
  }

  /** The Temporal server. */
  get server(): TemporalUnderTest {
    return this.running.server;
  }

  /** A client of the server (a new one after {@link reconnect}). */
  get client(): Client {
    return this.running.client;
  }

  /** Restarts the server on the same ports and data (the cluster: its PostgreSQL too). */
  async restartServer(): Promise<void> {
    await this.running.server.restart();
  }

  /** Replaces the client with a fresh connection (after a restart, the old one may be broken). */
  async reconnect(): Promise<void> {
    const { server, connection } = this.running;
    await connection.close();
    this.current = { server, ...(await FaultSuite.connect(server)) };
  }

  /** Kills the worker processes still running, then stops every fake Cube and the server. */
  async stop(): Promise<void> {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const current = this.current;
    this.current = undefined;
    await current?.connection.close();
    for (const cube of this.produced.fakes) await cube.stop();
    await current?.server.stop();
  }

  /** A fake Cube whose builds take 500 ms and all run at once, unless told otherwise. */
  async fake(options: FakeCubeOptions = {}): Promise<FakeCube> {
    const cube = await startFakeCube({ buildDurationMs: 500, concurrency: 1000, ...options });
    this.produced.secrets.add(cube.apiSecret);
    this.produced.fakes.push(cube);
    return cube;
  }

  /** A worker in this process, on a connection of its own, with activities pointed at `cube`. */
  async inProcessWorker(cube: CubeEndpoint, taskQueue: string, extra: Partial<CubeJobsClientOptions> = {}) {
    const connection = await NativeConnection.connect({
      address: this.server.address,
      apiKey: TEMPORAL_API_KEY,
      tls: false,
    });
    const client = createCubeJobsClient({
      apiUrl: cube.url,
      apiSecret: cube.apiSecret,
      timeoutMs: 2000,
      ...extra,
    });
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath,
      activities: createCubeJobsActivities({ client }),
    });
    return { worker, connection };
  }

  /** A worker in a child process (so it can be SIGKILLed), ready to take tasks. */
  async spawnWorker(cube: FakeCube, taskQueue: string): Promise<ChildProcess> {
    const child = await spawnWorkerProcess({
      script: fileURLToPath(new URL('./worker-process.js', import.meta.url)),
      env: {
        TEMPORAL_ADDRESS: this.server.address,
        TEMPORAL_API_KEY,
        TASK_QUEUE: taskQueue,
        CUBE_API_URL: cube.url,
        CUBE_API_SECRET: cube.apiSecret,
      },
    });
    this.children.push(child);
    return child;
  }

  /** Starts a build. */
  start(
    taskQueue: string,
    workflowId: string,
    input: BuildPreAggregationsInput,
  ): Promise<WorkflowHandle<typeof buildPreAggregations>> {
    return this.client.workflow.start(buildPreAggregations, { taskQueue, workflowId, args: [input] });
  }

  /** Waits for builds to end (keeping each failure for the report and the scan), or calls them hung after `timeoutMs`. */
  async settle(handles: ReadonlyArray<{ result(): Promise<unknown> }>, timeoutMs: number): Promise<BuildEnd[]> {
    const timeout = new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), timeoutMs).unref());
    return Promise.all(
      handles.map((h) =>
        Promise.race([
          h.result().then(
            () => 'ok' as const,
            (e: unknown) => {
              this.produced.errors.push(describeError(e));
              return 'failed' as const;
            },
          ),
          timeout,
        ]),
      ),
    );
  }
}

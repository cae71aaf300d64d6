/**
 * A production-shaped Temporal for the project's tests: Temporal Server {@link TEMPORAL_SERVER_VERSION}
 * (built from its Go module) on a PostgreSQL the project starts, with PostgreSQL (SQL) visibility, and
 * its services in processes of their own: one frontend (gRPC and the HTTP port Nexus callbacks use),
 * `historyHosts` history hosts sharing the shards, one matching and one worker service (schedules,
 * deployments and Nexus callbacks run there). The schemas are set up by `temporal-sql-tool` from the
 * schemas embedded in it; the namespace is registered through the frontend, as an operator would.
 * The frontend starts first and the others once it has saved the cluster's metadata; a service that
 * exits while the cluster comes up, or a cluster that does not come up in time, has every service started
 * again (up to {@link START_ATTEMPTS} launches).
 *
 * The whole cluster can be restarted on the same ports and databases (PostgreSQL too), which the fault
 * suite's server-restart case does while builds wait.
 *
 * One function over 300 lines: the processes, their logs and the launches share state in its closure; the
 * configuration is in `cluster-config.ts`, what "ready" means in `readiness.ts`.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGuarded, spawnGuarded } from '@cube-jobs/dev-tools';
import { startPostgres, type StartedPostgres } from '@cube-jobs/sample-cube';
import { freePort } from '@cube-jobs/testing';
import { Connection } from '@temporalio/client';
import Long from 'long';
import { dynamicConfig, freeMembershipPort, serverConfig, type ServiceProcess } from './cluster-config.js';
import { liveMembers, memberIds, membership, START_ATTEMPTS, until, whenReady } from './readiness.js';
import { resolveTemporalServer, setUpSchema, TEMPORAL_SERVER_VERSION } from './server-binaries.js';

/** Options of {@link startTemporalCluster}. */
export interface TemporalClusterOptions {
  /** History hosts (processes) sharing the shards. @default 2 */
  readonly historyHosts?: number;
  /** History shards, fixed when the cluster is created. @default 4 */
  readonly historyShards?: number;
  /** The namespace to register. @default 'default' */
  readonly namespace?: string;
  /** Progress messages (building the server takes minutes once). @default silent */
  readonly log?: (message: string) => void;
}

/** A running cluster. */
export interface TemporalCluster {
  /** The frontend's gRPC address, `127.0.0.1:<port>`. */
  readonly address: string;
  /** The frontend's HTTP address (Nexus), `127.0.0.1:<port>`. */
  readonly httpAddress: string;
  /** The registered namespace. */
  readonly namespace: string;
  /**
   * The PostgreSQL holding the cluster's persistence (`temporal`, the database its `query` runs in) and
   * visibility (`temporal_visibility`).
   */
  readonly postgres: StartedPostgres;
  /** The server's processes by name (`frontend`, `history-1`, …). */
  readonly processes: ReadonlyMap<string, ChildProcess>;
  /** SIGKILLs one process of the server (a crash); `restart` starts it again with the others. */
  kill(name: string): void;
  /** Each process's gRPC port by name (a history host's is the one its shards' records name as owner). */
  readonly grpcPorts: ReadonlyMap<string, number>;
  /**
   * Stops every service (graceful stop) and starts them again on the same ports and databases; with
   * `postgres`, PostgreSQL is restarted too while the services are down. Resolves once the frontend
   * serves the namespace again.
   */
  restart(options?: { readonly postgres?: boolean }): Promise<void>;
  /** The last lines the services logged (warnings and errors), for a failing test's report. */
  logTail(lines?: number): string;
  /** Stops the services and PostgreSQL, and removes their files. */
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL and a Temporal cluster on it, registers the namespace, and resolves once a workflow
 * can be started and every service has joined Temporal's membership. Builds the server into
 * the project's cache first when it is not there (minutes, once).
 */
export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const log = options.log ?? (() => {});
  const historyHosts = options.historyHosts ?? 2;
  const historyShards = options.historyShards ?? 4;
  const namespace = options.namespace ?? 'default';
  for (const [name, value] of Object.entries({ historyHosts, historyShards })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new TypeError(`${name}: expected an integer ≥ 1, got ${String(value)}`);
    }
  }
  const binaries = await resolveTemporalServer({ log });
  // Each service's pools may open 24 connections (see serverConfig): more than PostgreSQL's default 100.
  const postgres = await startPostgres({ database: 'temporal', seed: false, maxConnections: 300 });
  const dir = mkdtempSync(join(tmpdir(), 'cube-jobs-temporal-cluster-'));
  try {
    await setUpSchema(binaries.sqlTool, postgres, 'temporal', 'postgresql/v12/temporal');
    await setUpSchema(binaries.sqlTool, postgres, 'temporal_visibility', 'postgresql/v12/visibility');
  } catch (error) {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const membershipPorts = new Set<number>();
  const layout: ServiceProcess[] = [
    {
      name: 'frontend',
      service: 'frontend',
      grpcPort: await freePort(),
      membershipPort: await freeMembershipPort(membershipPorts),
      httpPort: await freePort(),
    },
    ...(await Promise.all(
      Array.from({ length: historyHosts }, async (_, i) => ({
        name: `history-${i + 1}`,
        service: 'history' as const,
        grpcPort: await freePort(),
        membershipPort: await freeMembershipPort(membershipPorts),
      })),
    )),
    {
      name: 'matching',
      service: 'matching',
      grpcPort: await freePort(),
      membershipPort: await freeMembershipPort(membershipPorts),
    },
    {
      name: 'worker',
      service: 'worker',
      grpcPort: await freePort(),
      membershipPort: await freeMembershipPort(membershipPorts),
    },
  ];
  const frontend = layout[0] as ServiceProcess;
  const address = `127.0.0.1:${frontend.grpcPort}`;
  const httpAddress = `127.0.0.1:${frontend.httpPort}`;
  const dynamicConfigFile = join(dir, 'dynamic-config.yaml');
  writeFileSync(dynamicConfigFile, JSON.stringify(dynamicConfig(httpAddress), null, 2));
  const logFile = (p: ServiceProcess) => join(dir, `${p.name}.log`);
  for (const p of layout) {
    const config = serverConfig(
      p,
      layout,
      postgres,
      { dynamicConfig: dynamicConfigFile, log: logFile(p) },
      historyShards,
    );
    writeFileSync(join(dir, `${p.name}.yaml`), JSON.stringify(config, null, 2));
  }

  const processes = new Map<string, ChildProcess>();
  const stderr = new Map<string, string>();
  const logTail = (lines = 40) =>
    layout
      .map((p) => {
        let text = stderr.get(p.name) ?? '';
        try {
          text += readFileSync(logFile(p), 'utf8');
        } catch {
          // not written yet
        }
        return text.trim() ? `--- ${p.name}\n${text.trim().split('\n').slice(-lines).join('\n')}` : '';
      })
      .filter(Boolean)
      .join('\n');
  /** Services that exited on their own since the last launch (not stopped, not killed on request). */
  const exits = new Map<string, string>();
  /** Services killed on request (a crash a test asked for), which are not reported as exits. */
  const killed = new WeakSet<ChildProcess>();
  let halting = false;
  /** The services that exited on their own, or undefined while every one runs. */
  const exited = () =>
    exits.size === 0 ? undefined : [...exits].map(([name, how]) => `the ${name} service ${how}`).join('; ');
  const spawnService = (p: ServiceProcess) => {
    const child = spawnGuarded(
      binaries.server,
      ['--config-file', join(dir, `${p.name}.yaml`), '--allow-no-auth', 'start', '--service', p.service],
      { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    );
    stderr.set(p.name, '');
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) =>
      stderr.set(p.name, ((stderr.get(p.name) ?? '') + chunk).slice(-100_000)),
    );
    child.once('exit', (code, signal) => {
      if (!halting && !killed.has(child)) exits.set(p.name, `exited with ${signal ?? `code ${String(code)}`}`);
    });
    processes.set(p.name, child);
  };
  /** The host ids in the membership before the latest launch (its processes are the others). */
  let earlierMembers: string[] = [];
  /**
   * Starts every service: the frontend first, the others once the cluster's metadata is saved. A service
   * that finds no metadata saves it, and two saving at once make one exit ("SaveClusterMetadata
   * encountered version mismatch"): on a fresh database, that took down both history hosts in CI.
   */
  const launch = async () => {
    halting = false;
    exits.clear();
    earlierMembers = await memberIds(postgres);
    const [first, ...others] = layout as [ServiceProcess, ...ServiceProcess[]];
    spawnService(first);
    await until(
      'cluster metadata',
      async () => (await postgres.query('SELECT 1 FROM cluster_metadata_info LIMIT 1', [])).length > 0,
      exited,
    );
    others.forEach(spawnService);
  };
  const halt = async () => {
    halting = true;
    await Promise.all(
      [...processes.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGINT');
        await stopped;
      }),
    );
  };
  /** Stops the services and PostgreSQL, and removes the cluster's files. */
  const stopAll = async () => {
    await halt();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = async (registerNamespace: boolean) => {
    const connection = Connection.lazy({ address });
    /** One call to the frontend, cancelled when `signal` aborts. */
    const call = <R>(signal: AbortSignal, rpc: (service: typeof connection.workflowService) => Promise<R>) =>
      connection.withAbortSignal(signal, () => rpc(connection.workflowService));
    try {
      await whenReady('frontend', (signal) => call(signal, (s) => s.getSystemInfo({})), exited);
      if (registerNamespace) {
        await whenReady(
          'namespace registration',
          async (signal) => {
            try {
              await call(signal, (s) =>
                s.registerNamespace({
                  namespace,
                  workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(24 * 3600) },
                }),
              );
            } catch (error) {
              // ALREADY_EXISTS: registered by an earlier attempt
              if ((error as { code?: number }).code !== 6) throw error;
            }
          },
          exited,
        );
      }
      // A workflow's history is read from its shard's history host: NOT_FOUND for an unknown one means
      // the frontend, the namespace and history answer.
      await whenReady(
        'history',
        async (signal) => {
          try {
            await call(signal, (s) =>
              s.getWorkflowExecutionHistory({ namespace, execution: { workflowId: 'cube-jobs-cluster-probe' } }),
            );
          } catch (error) {
            const message = (error as Error).message;
            if ((error as { code?: number }).code === 5 && !/namespace/i.test(message)) return;
            throw error;
          }
        },
        exited,
      );
      await whenReady('visibility', (signal) => call(signal, (s) => s.listWorkflowExecutions({ namespace })), exited);
      // Every process has joined the membership (a history host missing from it once stayed missing for
      // minutes while the rest served).
      const expected = { frontend: 1, history: historyHosts, matching: 1, worker: 1 };
      await until(
        'every service in the membership',
        async () => {
          const live = await liveMembers(postgres, earlierMembers);
          return Object.entries(expected).every(([role, count]) => live[role] === count);
        },
        exited,
      );
    } finally {
      await connection.close();
    }
  };
  /**
   * Launches the services and resolves once they serve; starts them all again when they do not (up to
   * {@link START_ATTEMPTS} launches), saying why on stderr; the last failure's error carries the
   * membership and the services' logs.
   */
  const start = async (registerNamespace: boolean) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await launch();
        await ready(registerNamespace);
        return;
      } catch (error) {
        const report = `${(error as Error).message}\n${await membership(postgres)}`;
        await halt();
        if (attempt === START_ATTEMPTS) {
          throw new Error(`${report}\n${logTail()}`, { cause: error });
        }
        console.warn(
          `Temporal cluster: starting its services again (launch ${attempt} of ${START_ATTEMPTS} failed): ${report}\n${logTail(10)}`,
        );
      }
    }
  };

  try {
    await start(true);
  } catch (error) {
    await stopAll();
    throw error;
  }
  log(
    `Temporal Server ${TEMPORAL_SERVER_VERSION} cluster at ${address} (${layout.map((p) => p.name).join(', ')}) on PostgreSQL :${postgres.port}`,
  );

  return {
    address,
    httpAddress,
    namespace,
    postgres,
    processes,
    grpcPorts: new Map(layout.map((p) => [p.name, p.grpcPort])),
    kill(name) {
      const child = processes.get(name);
      if (!child)
        throw new TypeError(`kill: no process named ${name}; the processes are ${[...processes.keys()].join(', ')}`);
      killed.add(child);
      killGuarded(child);
    },
    logTail,
    async restart(restartOptions = {}) {
      await halt();
      if (restartOptions.postgres) await postgres.restart();
      await start(false);
    },
    stop: stopAll,
  };
}

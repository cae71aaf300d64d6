/**
 * A production-shaped Temporal for the project's tests: Temporal Server {@link TEMPORAL_SERVER_VERSION}
 * (built from its Go module) on a PostgreSQL the project starts, with PostgreSQL (SQL) visibility, and
 * its services in processes of their own: one frontend (gRPC and the HTTP port Nexus callbacks use),
 * `historyHosts` history hosts sharing the shards, one matching and one worker service (schedules,
 * deployments and Nexus callbacks run there). The schemas are set up by `temporal-sql-tool` from the
 * schemas embedded in it; the namespace is registered through the frontend, as an operator would.
 *
 * The whole cluster can be restarted on the same ports and databases (PostgreSQL too), which the fault
 * suite's server-restart case does while builds wait.
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
  /** Each process's gRPC port by name (a history host's names it as shard owner). */
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

/** Whether a gRPC error says the server is not there yet (as opposed to answering). */
function notReady(error: unknown): boolean {
  const code = (error as { code?: number }).code;
  // UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL (a frontend whose history hosts are joining), NOT_FOUND of the namespace
  return code === 14 || code === 4 || code === 13 || code === 5;
}

/** Retries `attempt` while the cluster is coming up (not ready), for at most `timeoutMs`. */
async function whenReady<T>(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<T>,
  logTail: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!notReady(error) || Date.now() > deadline) {
        throw new Error(`The Temporal cluster is not ready (${what}): ${(error as Error).message}\n${logTail()}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Starts PostgreSQL and a Temporal cluster on it, registers the namespace, and resolves once a workflow
 * can be started (the frontend, matching and every history host have joined). Builds the server into the
 * project's cache first when it is not there (minutes, once).
 */
export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const log = options.log ?? (() => {});
  const historyHosts = options.historyHosts ?? 2;
  const historyShards = options.historyShards ?? 4;
  const namespace = options.namespace ?? 'default';
  if (!Number.isInteger(historyHosts) || historyHosts < 1) {
    throw new TypeError(`historyHosts: expected an integer ≥ 1, got ${String(historyHosts)}`);
  }
  const binaries = await resolveTemporalServer({ log });
  const postgres = await startPostgres({ database: 'temporal', seed: false });
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
  const launch = () => {
    for (const p of layout) {
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
      processes.set(p.name, child);
    }
  };
  const halt = async () => {
    await Promise.all(
      [...processes.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGINT');
        await exited;
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
    try {
      await whenReady('frontend', 120_000, () => connection.workflowService.getSystemInfo({}), logTail);
      if (registerNamespace) {
        await whenReady(
          'namespace registration',
          60_000,
          () =>
            connection.workflowService.registerNamespace({
              namespace,
              workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(24 * 3600) },
            }),
          logTail,
        );
      }
      // A workflow's history is read from its shard's history host: NOT_FOUND for an unknown one means
      // the frontend, the namespace and history answer.
      await whenReady(
        'history',
        120_000,
        async () => {
          try {
            await connection.workflowService.getWorkflowExecutionHistory({
              namespace,
              execution: { workflowId: 'cube-jobs-cluster-probe' },
            });
          } catch (error) {
            const message = (error as Error).message;
            if ((error as { code?: number }).code === 5 && !/namespace/i.test(message)) return;
            throw error;
          }
        },
        logTail,
      );
      await whenReady(
        'visibility',
        60_000,
        () => connection.workflowService.listWorkflowExecutions({ namespace }),
        logTail,
      );
    } finally {
      await connection.close();
    }
  };

  launch();
  try {
    await ready(true);
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
      killGuarded(child);
    },
    logTail,
    async restart(restartOptions = {}) {
      await halt();
      if (restartOptions.postgres) await postgres.restart();
      launch();
      await ready(false);
    },
    stop: stopAll,
  };
}

/**
 * The cluster helper on the real server: every service joins the cluster's membership (two history hosts
 * among them), a workflow history survives a restart of every service and of PostgreSQL, and a history
 * host killed with SIGKILL leaves the other one serving.
 */
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTemporalCluster, type TemporalCluster } from '../src/index.js';

let cluster: TemporalCluster;
beforeAll(async () => {
  cluster = await startTemporalCluster({ log: (message) => console.log(message) });
});
afterAll(async () => {
  await cluster?.stop();
});

/** Live members by role, from Temporal's own membership table (role: 1 frontend, 2 history, 3 matching, 4 worker). */
async function members(): Promise<Record<string, number>> {
  const rows = await cluster.postgres.query<{ role: number; n: string }>(
    'SELECT role, count(DISTINCT rpc_port) AS n FROM cluster_membership WHERE record_expiry > now() GROUP BY role',
    [],
  );
  const names: Record<number, string> = { 1: 'frontend', 2: 'history', 3: 'matching', 4: 'worker' };
  return Object.fromEntries(rows.map((row) => [names[row.role] ?? String(row.role), Number(row.n)]));
}

/** Each shard's owner, as the gRPC port of the history host named in the shard's record. */
async function shardOwners(): Promise<number[]> {
  const rows = await cluster.postgres.query<{ owner: string }>(
    "SELECT encode(data, 'escape') AS owner FROM shards",
    [],
  );
  return rows.map((row) => Number(/127\.0\.0\.1:(\d+)/.exec(row.owner)?.[1]));
}

/** Starts a workflow (no worker needs to run it) and returns its id. */
async function startWorkflow(connection: Connection, workflowId: string): Promise<void> {
  await connection.workflowService.startWorkflowExecution({
    namespace: cluster.namespace,
    workflowId,
    workflowType: { name: 'probe' },
    taskQueue: { name: 'nobody-polls' },
    requestId: workflowId,
  });
}

describe('startTemporalCluster', () => {
  test('every service joins, with two history hosts', async () => {
    expect(
      await cluster.postgres.query('SELECT 1 FROM pg_database WHERE datname = $1', ['temporal_visibility']),
    ).toHaveLength(1);
    expect(await members()).toEqual({ frontend: 1, history: 2, matching: 1, worker: 1 });
    expect([...cluster.processes.keys()]).toEqual(['frontend', 'history-1', 'history-2', 'matching', 'worker']);
  });

  test('a workflow survives a restart of every service and of PostgreSQL', async () => {
    const connection = await Connection.connect({ address: cluster.address });
    try {
      await startWorkflow(connection, 'survives-restart');
    } finally {
      await connection.close();
    }
    await cluster.restart({ postgres: true });
    const after = await Connection.connect({ address: cluster.address });
    try {
      const described = await after.workflowService.describeWorkflowExecution({
        namespace: cluster.namespace,
        execution: { workflowId: 'survives-restart' },
      });
      expect(described.workflowExecutionInfo?.type?.name).toBe('probe');
    } finally {
      await after.close();
    }
  });

  test('with one history host SIGKILLed, the other takes its shards: workflows start on every shard', async () => {
    // The host that owns the first shard dies (the hash ring may give one host every shard).
    const owner = (await shardOwners())[0];
    const names = ['history-1', 'history-2'];
    const victim = names.find((name) => cluster.grpcPorts.get(name) === owner);
    const survivor = names.find((name) => name !== victim);
    expect(victim).toBeDefined();
    cluster.kill(victim!);
    const connection = await Connection.connect({ address: cluster.address });
    try {
      // Four shards: twenty workflow ids land on all of them (by hash), so each start needs a live owner.
      const deadline = Date.now() + 90_000;
      const pending = new Set(Array.from({ length: 20 }, (_, i) => `after-kill-${i}`));
      while (pending.size > 0) {
        for (const id of [...pending]) {
          try {
            await startWorkflow(connection, id);
            pending.delete(id);
          } catch (error) {
            if (Date.now() > deadline) throw error;
          }
        }
        if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(pending.size).toBe(0);
      expect(new Set(await shardOwners())).toEqual(new Set([cluster.grpcPorts.get(survivor!)]));
    } finally {
      await connection.close();
    }
  });

  test('a history shard count below one is refused before anything starts, naming the option', async () => {
    await expect(startTemporalCluster({ historyShards: 0 })).rejects.toThrow(
      new TypeError('historyShards: expected an integer ≥ 1, got 0'),
    );
  });
});

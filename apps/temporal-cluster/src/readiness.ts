/**
 * How the cluster helper decides that the cluster is up: polls with a deadline that give up at once when a
 * service exits, and the two tables of Temporal's it reads (the shards' owners, the membership).
 *
 * @module
 */
import type { StartedPostgres } from '@cube-jobs/sample-cube';

/** Whether a gRPC error says the server is not there yet (as opposed to answering). */
function notReady(error: unknown): boolean {
  const code = (error as { code?: number }).code;
  // UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL (a frontend whose history hosts are joining), NOT_FOUND of the namespace
  return code === 14 || code === 4 || code === 13 || code === 5;
}

/** How long each step of coming up (frontend, namespace, history, visibility) may take (a few seconds here). */
export const READY_STEP_TIMEOUT_MS = 60_000;

/**
 * How many times the services are started before the cluster is given up: a service that exits, or a
 * cluster that does not come up in time, has every service stopped and started again (on the same ports
 * and databases), as an orchestrator restarts a failing deployment.
 */
export const START_ATTEMPTS = 3;

/**
 * Settles as `attempt` does, unless `exited` names a service that stopped first (checked every 250 ms):
 * then aborts the attempt, waits for it to end, and rejects with that.
 */
async function unlessExited<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  exited: () => string | undefined,
): Promise<T> {
  const abort = new AbortController();
  const pending = attempt(abort.signal);
  let timer: NodeJS.Timeout | undefined;
  const exit = new Promise<string>((resolve) => {
    timer = setInterval(() => {
      const gone = exited();
      if (gone !== undefined) resolve(gone);
    }, 250);
  });
  try {
    const first = await Promise.race([pending.then((value) => ({ value })), exit]);
    if (typeof first !== 'string') return first.value;
    abort.abort();
    await pending.catch(() => {});
    throw new Error(first);
  } finally {
    clearInterval(timer);
  }
}

/**
 * Retries `attempt` while the cluster is coming up (not ready), for at most {@link READY_STEP_TIMEOUT_MS};
 * gives up at once when `exited` names a service that stopped.
 */
export async function whenReady<T>(
  what: string,
  attempt: (signal: AbortSignal) => Promise<T>,
  exited: () => string | undefined,
): Promise<T> {
  const deadline = Date.now() + READY_STEP_TIMEOUT_MS;
  for (;;) {
    try {
      return await unlessExited(attempt, exited);
    } catch (error) {
      if (!notReady(error) || exited() !== undefined || Date.now() > deadline) {
        throw new Error(`The Temporal cluster is not ready (${what}): ${(error as Error).message}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Checks `holds` every 100 ms until it is true, for at most {@link READY_STEP_TIMEOUT_MS}; gives up at once
 * when `exited` names a service that stopped.
 */
export async function until(
  what: string,
  holds: () => Promise<boolean>,
  exited: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + READY_STEP_TIMEOUT_MS;
  while (!(await holds())) {
    const gone = exited();
    if (gone !== undefined || Date.now() > deadline) {
      throw new Error(`The Temporal cluster is not ready (${what}): ${gone ?? 'not in time'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The history hosts named as owners in the shards' records (their gRPC addresses). */
export async function shardOwners(postgres: StartedPostgres): Promise<Set<string>> {
  const rows = await postgres.query<{ owner: string }>("SELECT encode(data, 'escape') AS owner FROM shards", []);
  const owners = rows.map((row) => /127\.0\.0\.1:\d+/.exec(row.owner)?.[0]);
  return new Set(owners.filter((owner): owner is string => owner !== undefined));
}

/** Who is in Temporal's membership table, for a report of a cluster that does not come up. */
export async function membership(postgres: StartedPostgres): Promise<string> {
  try {
    const rows = await postgres.query<{ role: number; rpc_port: number; heartbeat_age_s: number }>(
      `SELECT role, rpc_port, round(extract(epoch FROM now() - last_heartbeat))::int AS heartbeat_age_s
         FROM cluster_membership WHERE record_expiry > now() ORDER BY role, rpc_port`,
      [],
    );
    const roles: Record<number, string> = { 1: 'frontend', 2: 'history', 3: 'matching', 4: 'worker' };
    const line = rows.map((r) => `${roles[r.role] ?? r.role}:${r.rpc_port} (${r.heartbeat_age_s} s ago)`);
    return `membership: ${line.join(', ') || 'nobody'}`;
  } catch (error) {
    return `membership: unreadable (${(error as Error).message})`;
  }
}

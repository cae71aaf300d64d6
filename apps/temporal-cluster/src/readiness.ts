/**
 * How the cluster helper decides that the cluster is up: polls with a deadline that give up at once when a
 * service exits, and Temporal's membership table, which it reads.
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

/**
 * How long each step of coming up (cluster metadata, frontend, namespace, history, visibility, membership)
 * may take (a few seconds here).
 */
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

/** Temporal's membership roles by number. */
const ROLES: Record<number, string> = { 1: 'frontend', 2: 'history', 3: 'matching', 4: 'worker' };

/** The processes in Temporal's membership now (their host ids), to tell a launch's members from earlier ones. */
export async function memberIds(postgres: StartedPostgres): Promise<string[]> {
  const rows = await postgres.query<{ id: string }>("SELECT encode(host_id, 'hex') AS id FROM cluster_membership", []);
  return rows.map((row) => row.id);
}

/**
 * How many processes of each role are live in Temporal's membership, leaving out the host ids in `before`
 * (an earlier launch's processes, whose records outlive them).
 */
export async function liveMembers(
  postgres: StartedPostgres,
  before: readonly string[],
): Promise<Record<string, number>> {
  const rows = await postgres.query<{ role: number; n: number }>(
    `SELECT role, count(DISTINCT rpc_port)::int AS n FROM cluster_membership
      WHERE record_expiry > now() AND encode(host_id, 'hex') <> ALL($1::text[]) GROUP BY role`,
    [before],
  );
  return Object.fromEntries(rows.map((row) => [ROLES[row.role] ?? String(row.role), row.n]));
}

/** Who is in Temporal's membership table, for a report of a cluster that does not come up. */
export async function membership(postgres: StartedPostgres): Promise<string> {
  try {
    const rows = await postgres.query<{ role: number; rpc_port: number; heartbeat_age_s: number }>(
      `SELECT role, rpc_port, round(extract(epoch FROM now() - last_heartbeat))::int AS heartbeat_age_s
         FROM cluster_membership WHERE record_expiry > now() ORDER BY role, rpc_port`,
      [],
    );
    const line = rows.map((r) => `${ROLES[r.role] ?? r.role}:${r.rpc_port} (${r.heartbeat_age_s} s ago)`);
    return `membership: ${line.join(', ') || 'nobody'}`;
  } catch (error) {
    return `membership: unreadable (${(error as Error).message})`;
  }
}

/**
 * The final check: no API secret, JWT or Temporal API key in any history, log line or error the suite produced.
 *
 * @module
 */
import type { FaultSuite } from '../context.js';

/** 8. The API secrets, every JWT the fakes saw and the Temporal API key appear nowhere. */
export async function secretScan(suite: FaultSuite): Promise<{ leaks: number; scanned: string }> {
  const histories: string[] = [];
  for await (const execution of suite.client.workflow.list()) {
    const history = await suite.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    histories.push(
      JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)),
    );
  }
  for (const cube of suite.produced.fakes)
    for (const r of cube.requests)
      if (typeof r.headers.authorization === 'string')
        suite.produced.secrets.add(r.headers.authorization.replace(/^Bearer /, ''));
  const haystack = [...histories, ...suite.logs, ...suite.produced.errors].join('\n');
  let leaks = 0;
  for (const secret of suite.produced.secrets) if (secret.length >= 8 && haystack.includes(secret)) leaks += 1;
  return {
    leaks,
    scanned: `${histories.length} histories, ${suite.logs.length} log lines, ${suite.produced.errors.length} errors; ${suite.produced.secrets.size} secrets and JWTs`,
  };
}

/**
 * The worker's health and readiness over HTTP, for container orchestrators: `/healthz` answers 200
 * while the worker has not failed or stopped, `/readyz` 200 only while it polls (`RUNNING`); both 503
 * otherwise, with the state as the body.
 *
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { State } from '@temporalio/worker';

/** Starts the endpoint on `port` (0 for a free one); resolves with the server once it listens. */
export function startHealthServer(port: number, state: () => State, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((request, response) => {
    const current = state();
    const healthy =
      request.url === '/healthz'
        ? current !== 'FAILED' && current !== 'STOPPED'
        : request.url === '/readyz'
          ? current === 'RUNNING'
          : undefined;
    if (healthy === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(`${current}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

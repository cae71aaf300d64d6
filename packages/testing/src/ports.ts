/**
 * Free loopback ports for servers started by tests.
 *
 * @module
 */
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (free when asked: another process may take it before it is used). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

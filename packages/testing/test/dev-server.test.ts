/**
 * `startDevServer` against the real Temporal CLI: ports taken at start-up.
 */
import { createServer, type Server } from 'node:net';
import { NativeConnection } from '@temporalio/worker';
import { afterEach, describe, expect, test } from 'vitest';
import { freePort } from '../src/index.js';
import { startDevServer, type DevServer } from '../src/temporal.js';

let server: DevServer | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
});

/** Listens on `port` (127.0.0.1) until closed, dropping whoever connects. */
async function occupy(port: number): Promise<Server> {
  const socket = createServer((connection) => connection.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.listen(port, '127.0.0.1', () => resolve());
  });
  return socket;
}

describe('startDevServer', () => {
  test('a fixed port taken for a moment is tried again, and the server comes up on it', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    blocker = await occupy(uiPort);
    const taken = blocker;
    setTimeout(() => taken.close(), 1500);
    const logged: string[] = [];
    server = await startDevServer({ port, uiPort, log: (line) => logged.push(line) });
    expect(server.address).toBe(`127.0.0.1:${port}`);
    const connection = await NativeConnection.connect({ address: server.address });
    await connection.close();
    expect(logged).toContainEqual(expect.stringMatching(new RegExp(`can't set UI port ${uiPort}.*starting it again`)));
  }, 60_000);

  test('a fixed port that stays taken fails with the server’s own reason', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    blocker = await occupy(port);
    await expect(startDevServer({ port, uiPort })).rejects.toThrow(
      /could not bind its ports: .*frontend port .*address already in use/,
    );
  }, 60_000);
});

/**
 * `npm start -w @cube-jobs/sample-cube`: runs the sample Cube until SIGINT/SIGTERM. Prints
 * `READY <url> <mode>` on stdout once it accepts requests (the demo and the tests wait for that line);
 * Cube's own logs go to stderr.
 *
 * @module
 */
import { readConfig } from './config.js';
import { startSampleCube } from './server.js';

const config = readConfig();
const cube = await startSampleCube(config, (message, params) => {
  process.stderr.write(
    `[cube] ${message}${params && Object.keys(params).length > 0 ? ` ${JSON.stringify(params)}` : ''}\n`,
  );
});
process.stdout.write(`READY ${cube.url} ${cube.mode}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  // Cube's shutdown can wait on background work; never keep the caller waiting long.
  setTimeout(() => process.exit(0), 5000).unref();
  await cube.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// Started by spawnSampleCube with an IPC channel: when the parent goes away, so does Cube (also when it
// went away while Cube was starting).
process.on('disconnect', () => void stop());
if (process.send !== undefined && !process.connected) void stop();

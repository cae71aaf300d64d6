/**
 * Runs a server (the command line is this process's arguments) for {@link spawnGuarded}, which starts
 * this process with an IPC channel: when the parent goes away, however it goes (an uncaught error,
 * SIGKILL), the channel closes and the server gets SIGINT (PostgreSQL's fast shutdown, Temporal's
 * graceful stop), as it does on SIGINT or SIGTERM here; killed after 10 s if it hangs. The server's
 * standard error is this process's; its exit code too.
 *
 * @module
 */
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: process-guard <command> [arguments…]\n');
  process.exit(2);
}
const server = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.kill('SIGINT'); // SIGTERM would make PostgreSQL wait for Cube's pooled connections
  setTimeout(() => server.kill('SIGKILL'), 10_000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('disconnect', stop);
server.once('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
server.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

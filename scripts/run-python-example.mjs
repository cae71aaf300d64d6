#!/usr/bin/env node
/**
 * `npm run example:python`: runs the Python pipeline's tests (`examples/python-pipeline`) against what a
 * cube-jobs user runs, started here: a Temporal dev server with a second namespace for the Nexus caller,
 * the fake Cube, the cube-jobs worker with its Nexus service (and a second one whose Cube is
 * unreachable), and a Nexus endpoint for each. The Python dependencies (pinned in `requirements.txt`)
 * go into a virtual environment in the cache folder, made once per version of that file.
 * Run after a build (`npm run build`).
 */
import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cubeJobsCacheDir } from '@cube-jobs/dev-tools';
import { createCubeJobsClient } from '@cube-jobs/core';
import { freePort, resolveTemporalCli, startFakeCube } from '@cube-jobs/testing';
import { startDevServer } from '@cube-jobs/testing/temporal';
import { cubeJobsPlugin, workflowsPath } from '@cube-jobs/temporal-workflows';
import { Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

const root = resolve(import.meta.dirname, '..');
const example = join(root, 'examples', 'python-pipeline');
const CALLER_NAMESPACE = 'pipelines';

/** The virtual environment with the pinned requirements, made once per version of requirements.txt. */
function pythonEnvironment() {
  const requirements = readFileSync(join(example, 'requirements.txt'));
  const hash = createHash('sha256').update(requirements).digest('hex').slice(0, 12);
  const venv = join(cubeJobsCacheDir(), `python-example-${hash}`);
  const python = join(venv, 'bin', 'python');
  const ready = join(venv, '.installed');
  if (!existsSync(ready)) {
    console.log(`Installing the Python example's requirements into ${venv} …`);
    const run = (command, args) => {
      const result = spawnSync(command, args, { stdio: 'inherit' });
      if (result.status !== 0)
        throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
    };
    run('python3', ['-m', 'venv', '--clear', venv]);
    run(python, [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '-r',
      join(example, 'requirements.txt'),
    ]);
    writeFileSync(ready, `${new Date().toISOString()}\n`);
  }
  return python;
}

/** Runs pytest in the example with `env`; resolves with its exit code. */
function pytest(python, env) {
  return new Promise((resolvePytest, reject) => {
    const child = spawn(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
      cwd: example,
      stdio: 'inherit',
      env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolvePytest(code ?? (signal ? 1 : 0)));
  });
}

const python = pythonEnvironment();
Runtime.install({ logger: new DefaultLogger('ERROR') });
const server = await startDevServer({ log: (message) => console.log(message) });
const cube = await startFakeCube({ buildDurationMs: 1500 });
let exitCode = 1;
try {
  const connection = await Connection.connect({ address: server.address });
  await connection.workflowService.registerNamespace({
    namespace: CALLER_NAMESPACE,
    workflowExecutionRetentionPeriod: { seconds: 86_400 },
  });
  // The endpoint users create, with the README's command as printed; the second one through the API.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const create = /^temporal operator nexus endpoint create (.*)$/m.exec(readme);
  if (!create) throw new Error('The README has no `temporal operator nexus endpoint create` line');
  const cli = await resolveTemporalCli();
  if (!cli) throw new Error('No Temporal CLI: see resolveTemporalCli');
  const args = ['operator', 'nexus', 'endpoint', 'create', ...create[1].split(/\s+/), '--address', server.address];
  const created = spawnSync(cli.path, args, { stdio: 'inherit' });
  if (created.status !== 0) throw new Error(`temporal ${args.join(' ')} failed (${created.status})`);
  await connection.operatorService.createNexusEndpoint({
    spec: { name: 'cube-jobs-down', target: { worker: { namespace: 'default', taskQueue: 'cube-jobs-down' } } },
  });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const worker = (taskQueue, apiUrl) =>
    Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowBundle,
      plugins: [cubeJobsPlugin({ client: createCubeJobsClient({ apiUrl, apiSecret: cube.apiSecret }), nexus: true })],
    });
  const up = await worker('cube-jobs', cube.url);
  const down = await worker('cube-jobs-down', `http://127.0.0.1:${await freePort()}/cubejs-api`);
  exitCode = await down.runUntil(
    up.runUntil(
      pytest(python, {
        TEMPORAL_ADDRESS: server.address,
        CUBE_JOBS_NAMESPACE: 'default',
        CALLER_NAMESPACE,
        CUBE_JOBS_TASK_QUEUE: 'cube-jobs',
        CUBE_JOBS_DOWN_TASK_QUEUE: 'cube-jobs-down',
        NEXUS_ENDPOINT: 'cube-jobs',
        NEXUS_ENDPOINT_DOWN: 'cube-jobs-down',
      }),
    ),
  );
  console.log(`pytest exited with ${exitCode}`);
  await workerConnection.close();
  await connection.close();
} finally {
  await cube.stop();
  await server.stop();
}
process.exit(exitCode);

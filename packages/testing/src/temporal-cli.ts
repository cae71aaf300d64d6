/**
 * Finds a Temporal CLI binary (it contains the dev server) without downloading anything:
 * `TEMPORAL_CLI_PATH`, then `temporal` on `PATH`, then a build cached outside the repository, then a
 * fresh build of the official Go module `github.com/temporalio/cli/cmd/temporal@v1.5.1` (the newest tag
 * `go install` accepts) into that cache. When none is possible, callers fall back to the SDK's own
 * download, which works for users with internet access.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The Temporal CLI version built from source. */
const TEMPORAL_CLI_VERSION = '1.5.1';

/** A resolved Temporal CLI. */
export interface ResolvedTemporalCli {
  /** Absolute path of the binary. */
  readonly path: string;
  /**
   * How it was found: `TEMPORAL_CLI_PATH`, `temporal` on `PATH`, the build cached in
   * `$CUBE_JOBS_CACHE_DIR`, or built into that cache just now.
   */
  readonly source: 'env' | 'path' | 'cache' | 'built';
}

/** Options of {@link resolveTemporalCli}. */
export interface ResolveTemporalCliOptions {
  /** Build from the Go module when nothing else is found. @default true */
  readonly build?: boolean;
  /** Progress messages (the build takes minutes). @default silent */
  readonly log?: (message: string) => void;
  /** Environment to read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The folder for cached builds: `CUBE_JOBS_CACHE_DIR`, else `~/.cache/cube-jobs`. */
function cubeJobsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CUBE_JOBS_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cube-jobs');
}

/** Path of the cached build of {@link TEMPORAL_CLI_VERSION}. */
function cachedTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cubeJobsCacheDir(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'bin', 'temporal');
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

/** Resolves a Temporal CLI binary, building it when allowed; `undefined` when none can be had here. */
export async function resolveTemporalCli(
  options: ResolveTemporalCliOptions = {},
): Promise<ResolvedTemporalCli | undefined> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  if (env.TEMPORAL_CLI_PATH) {
    if (await isExecutable(env.TEMPORAL_CLI_PATH)) return { path: env.TEMPORAL_CLI_PATH, source: 'env' };
    throw new Error(`TEMPORAL_CLI_PATH is set but ${env.TEMPORAL_CLI_PATH} is not an executable file`);
  }
  const fromPath = await onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'path' };
  const cached = cachedTemporalCliPath(env);
  if (await isExecutable(cached)) return { path: cached, source: 'cache' };
  if (options.build === false) return undefined;
  const go = await onPath('go', env);
  if (!go) {
    log('No Temporal CLI found and no Go toolchain to build one.');
    return undefined;
  }
  log(
    `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} from its Go module into ${cached} (takes a few minutes once)…`,
  );
  const binDir = join(cached, '..');
  await mkdir(join(binDir, '..'), { recursive: true });
  const staging = await mkdtemp(join(binDir, '..', 'staging-'));
  try {
    await execFileAsync(
      go,
      [
        'install',
        '-ldflags',
        `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
        `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
      ],
      { env: { ...env, CGO_ENABLED: '0', GOBIN: staging, GOFLAGS: '-buildvcs=false' }, maxBuffer: 64 * 1024 * 1024 },
    );
    await mkdir(binDir, { recursive: true });
    await rename(join(staging, 'temporal'), cached);
  } catch (error) {
    log(`Building the Temporal CLI failed: ${(error as Error).message}`);
    return undefined;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  log(`Built ${cached}`);
  return { path: cached, source: 'built' };
}

/**
 * The `server.executable` option for `TestWorkflowEnvironment.createLocal`: the resolved binary, or
 * the SDK's download when nothing could be found or built.
 */
export async function temporalServerExecutable(
  options: ResolveTemporalCliOptions = {},
): Promise<{ type: 'existing-path'; path: string } | { type: 'cached-download' }> {
  const resolved = await resolveTemporalCli(options);
  return resolved ? { type: 'existing-path', path: resolved.path } : { type: 'cached-download' };
}

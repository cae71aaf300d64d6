/**
 * The Temporal server and its SQL schema tool, built from the official Go module
 * (`go.temporal.io/server` v1.32.0: `cmd/server` and `cmd/tools/sql`, schemas embedded) into the
 * project's cache outside the clone, once, the way `resolveTemporalCli` builds the CLI. Nothing is
 * downloaded but Go modules. `setUpSchema` creates a database's schema with the tool.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cubeJobsCacheDir } from '@cube-jobs/dev-tools';
import type { StartedPostgres } from '@cube-jobs/sample-cube';

const execFileAsync = promisify(execFile);

/** The Temporal Server version built (the newest that resolves with Go 1.26.8; v1.32.2 asks for 1.26.10). */
export const TEMPORAL_SERVER_VERSION = '1.32.0';

/** The two binaries of a self-hosted Temporal. */
export interface TemporalServerBinaries {
  /** `temporal-server` (`go.temporal.io/server/cmd/server`). */
  readonly server: string;
  /** `temporal-sql-tool` (`go.temporal.io/server/cmd/tools/sql`). */
  readonly sqlTool: string;
  /** Whether they were built just now (minutes) or found in the cache. */
  readonly source: 'cache' | 'built';
}

/** Whether every path is an executable file. */
async function allExecutable(...paths: string[]): Promise<boolean> {
  const checks = await Promise.all(
    paths.map((path) =>
      access(path, constants.X_OK).then(
        () => true,
        () => false,
      ),
    ),
  );
  return checks.every(Boolean);
}

/**
 * The cached build of {@link TEMPORAL_SERVER_VERSION} in `$CUBE_JOBS_CACHE_DIR/temporal-server-<version>/bin`,
 * built there with `go install` when missing (about 5 minutes on 2 cores; `log` says so).
 */
export async function resolveTemporalServer(
  options: { readonly log?: (message: string) => void; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<TemporalServerBinaries> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const home = join(cubeJobsCacheDir(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const binDir = join(home, 'bin');
  const server = join(binDir, 'temporal-server');
  const sqlTool = join(binDir, 'temporal-sql-tool');
  if (await allExecutable(server, sqlTool)) return { server, sqlTool, source: 'cache' };
  log(
    `Building Temporal Server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool from their Go module into ${binDir} (about 5 minutes, once)…`,
  );
  await mkdir(home, { recursive: true });
  const staging = await mkdtemp(join(home, 'staging-'));
  try {
    const module = `go.temporal.io/server`;
    await execFileAsync(
      'go',
      [
        'install',
        `${module}/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
        `${module}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
      ],
      { env: { ...env, CGO_ENABLED: '0', GOBIN: staging, GOFLAGS: '-buildvcs=false' }, maxBuffer: 64 * 1024 * 1024 },
    );
    await mkdir(binDir, { recursive: true });
    await rename(join(staging, 'sql'), sqlTool);
    await rename(join(staging, 'server'), server);
  } catch (error) {
    throw new Error(
      `Building Temporal Server ${TEMPORAL_SERVER_VERSION} from go.temporal.io/server failed (is Go ≥ 1.26.8 installed and the Go module proxy reachable?): ${(error as { stderr?: string }).stderr ?? String(error)}`,
      { cause: error },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  log(`Built ${server} and ${sqlTool}`);
  return { server, sqlTool, source: 'built' };
}

/** Creates a database and its schema with `temporal-sql-tool` (schemas embedded in the tool). */
export async function setUpSchema(sqlTool: string, postgres: StartedPostgres, database: string, schemaName: string) {
  const common = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(postgres.port), '-u', postgres.user];
  if (database !== postgres.database) await execFileAsync(sqlTool, [...common, '--db', database, 'create-database']);
  await execFileAsync(sqlTool, [...common, '--db', database, 'setup-schema', '-v', '0.0']);
  await execFileAsync(sqlTool, [...common, '--db', database, 'update-schema', '--schema-name', schemaName]);
}

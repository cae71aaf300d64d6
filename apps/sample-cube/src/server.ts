/**
 * Starts the sample Cube: a real `@cubejs-backend/server-core` 1.7.43 on an Express app, with the
 * sample data model, the `jobs` scope enabled, builds only through the jobs API (no refresh worker),
 * pre-aggregations stored in the source database.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import express from 'express';
import { jobsOnlyServerCore, nativeModuleLoads } from './compat.js';
import type { SampleCubeConfig } from './config.js';
import { seedDuckDb } from './seed.js';

const require = createRequire(import.meta.url);

/** A running sample Cube. */
export interface RunningSampleCube {
  /** REST base URL including the base path (`…/cubejs-api`). */
  readonly url: string;
  /**
   * `native`: Cube unmodified; `jobs-only`: the compatibility mode (see `compat.ts`); `unmodified`: a
   * release before 0.35, which needs the native module only for Jinja and Python models.
   */
  readonly mode: 'native' | 'jobs-only' | 'unmodified';
  /** The `@cubejs-backend/server-core` version running. */
  readonly version: string;
  /** Path of the embedded DuckDB database, when DuckDB is used. */
  readonly databasePath: string | undefined;
  /** Stops the server and Cube's background work. */
  stop(): Promise<void>;
}

/** The API secret: from the config, else generated once into the data folder (never printed). */
export function resolveApiSecret(config: SampleCubeConfig): string {
  if (config.apiSecret) return config.apiSecret;
  const file = join(config.dataDir, 'api-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Starts Cube with the sample model; `log` receives Cube's log lines. */
export async function startSampleCube(
  config: SampleCubeConfig,
  log: (message: string, params?: Record<string, unknown>) => void,
): Promise<RunningSampleCube> {
  const apiSecret = resolveApiSecret(config);
  // Cube reads these at start; set them before its modules initialise.
  process.env.NODE_ENV = 'production'; // authentication enforced, as in a real deployment
  process.env.CUBEJS_EXTERNAL_DEFAULT = 'false'; // pre-aggregations in the source database (no Cube Store)
  process.env.CUBEJS_CACHE_AND_QUEUE_DRIVER = 'memory';
  process.env.CUBEJS_REFRESH_WORKER = 'false'; // builds happen only through the jobs API
  process.env.CUBEJS_SCHEDULED_REFRESH_DEFAULT = 'false';
  process.env.CUBEJS_TELEMETRY = 'false';

  // Another release when the compatibility suite asks for one, else the app's own.
  const cubeRequire = config.serverCoreDir
    ? createRequire(join(resolve(config.serverCoreDir), 'package.json'))
    : require;
  const { version } = cubeRequire('@cubejs-backend/server-core/package.json') as { version: string };
  const native = nativeModuleLoads(cubeRequire);
  // Before 0.35, Cube loads the native module only for Jinja and Python models: it runs unmodified.
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const jobsOnly = !native && (major > 0 || minor >= 35);
  // Releases before 0.35 reject scopes they do not know, such as `sql`.
  const defaultScopes =
    major > 0 || minor >= 35 ? ['meta', 'data', 'sql', 'jobs'] : ['meta', 'data', 'graphql', 'jobs'];
  if (jobsOnly) {
    process.env.CUBEJS_TESSERACT_SQL_PLANNER = 'false';
    log(
      '@cubejs-backend/native is not available: running Cube in jobs-only compatibility mode (SQL API off, Jinja models unsupported, legacy SQL planner, /v1/load written without the native module)',
    );
  }

  // The database is configured through Cube's own variables; PostgreSQL users set CUBEJS_DB_* themselves.
  process.env.CUBEJS_DB_TYPE = config.dbType;
  let databasePath: string | undefined;
  if (config.dbType === 'duckdb') {
    mkdirSync(config.dataDir, { recursive: true });
    databasePath = join(config.dataDir, 'sample.duckdb');
    await seedDuckDb(databasePath);
    process.env.CUBEJS_DB_DUCKDB_DATABASE_PATH = databasePath;
  }

  const serverCoreModule = cubeRequire('@cubejs-backend/server-core') as {
    default: new (options: object) => { initApp(app: unknown): Promise<void>; shutdown(): Promise<void> };
    FileRepository: new (path: string) => { dataSchemaFiles(): Promise<unknown[]> };
  };
  const ServerCore = jobsOnly ? jobsOnlyServerCore(serverCoreModule.default, cubeRequire) : serverCoreModule.default;
  const { FileRepository } = serverCoreModule;
  // FileRepository joins its path to the working directory, so it must be relative.
  const modelRepository = new FileRepository(relative(process.cwd(), config.modelDir));
  const optionalRepository = new FileRepository(relative(process.cwd(), config.optionalModelDir));

  if (config.withSecondSource) {
    // A second data source on the same database: Cube gives it its own driver and build queue.
    process.env.CUBEJS_DATASOURCES = 'default,second';
    for (const [name, value] of Object.entries(process.env)) {
      if (name.startsWith('CUBEJS_DB_') && value !== undefined)
        process.env[`CUBEJS_DS_SECOND_${name.slice(7)}`] = value;
    }
  }
  const optionalFiles = async () =>
    ((await optionalRepository.dataSchemaFiles()) as Array<{ fileName: string }>).filter(
      ({ fileName }) =>
        (config.withBroken && fileName.endsWith('broken.yml')) ||
        (config.withSecondSource && fileName.endsWith('second-source.yml')),
    );

  const core = new ServerCore({
    apiSecret,
    devServer: false,
    telemetry: false,
    scheduledRefreshTimer: false,
    repositoryFactory: () => ({
      dataSchemaFiles: async () => [...(await modelRepository.dataSchemaFiles()), ...(await optionalFiles())],
    }),
    // A JWT may narrow its scopes with a `scopes` claim; otherwise these are granted.
    contextToApiScopes: (securityContext?: { scopes?: unknown }) =>
      Promise.resolve(Array.isArray(securityContext?.scopes) ? securityContext.scopes : defaultScopes),
    logger: (message: string, params: Record<string, unknown>) => log(message, params),
  });

  const app = express();
  // Cube's own server (@cubejs-backend/server) parses JSON bodies for every route; do the same.
  app.use(express.json({ limit: '50mb' }));
  await core.initApp(app);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.port, config.host, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    url: `http://${config.host}:${port}/cubejs-api`,
    mode: native ? 'native' : jobsOnly ? 'jobs-only' : 'unmodified',
    version,
    databasePath,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await core.shutdown().catch(() => undefined);
    },
  };
}

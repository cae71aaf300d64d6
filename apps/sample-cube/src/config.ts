/**
 * The sample Cube's settings, read from the environment and validated with zod.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const appDir = fileURLToPath(new URL('..', import.meta.url));

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const EnvSchema = z.object({
  SAMPLE_CUBE_HOST: z.string().default('127.0.0.1'),
  SAMPLE_CUBE_PORT: z.coerce
    .number()
    .int()
    .min(0, 'must be 0 (any free port) or a port number')
    .max(65535)
    .default(4000),
  SAMPLE_CUBE_DATA_DIR: z.string().min(1).default(`${appDir}.data`),
  SAMPLE_CUBE_WITH_BROKEN: flag.default(false),
  SAMPLE_CUBE_WITH_SECOND_SOURCE: flag.default(false),
  CUBEJS_API_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CUBEJS_DB_TYPE: z.enum(['duckdb', 'postgres']).default('duckdb'),
  SAMPLE_CUBE_SERVER_CORE_DIR: z.string().min(1).optional(),
});

/** Validated settings. */
export interface SampleCubeConfig {
  /** Interface to listen on. */
  readonly host: string;
  /** Port (0 = any free port). */
  readonly port: number;
  /** Folder of the DuckDB database file and the generated API secret. */
  readonly dataDir: string;
  /** Include the `broken` cube, whose every build fails. */
  readonly withBroken: boolean;
  /** Include the cube on a second data source (`second`: the same database, its own driver and queue). */
  readonly withSecondSource: boolean;
  /** API secret; generated into `dataDir` when not given. */
  readonly apiSecret: string | undefined;
  /** `duckdb` (embedded file, default) or `postgres` (Cube's own `CUBEJS_DB_*` variables). */
  readonly dbType: 'duckdb' | 'postgres';
  /**
   * A folder with another Cube release installed (`@cubejs-backend/server-core` and its driver in its
   * `node_modules`), run instead of the app's own 1.7.43: the compatibility suite's way in.
   */
  readonly serverCoreDir: string | undefined;
  /** The data model folder. */
  readonly modelDir: string;
  /** Optional model files (the broken cube, the cube on a second data source). */
  readonly optionalModelDir: string;
}

/** Reads the configuration; throws naming each bad variable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): SampleCubeConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid sample Cube configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  return {
    host: e.SAMPLE_CUBE_HOST,
    port: e.SAMPLE_CUBE_PORT,
    dataDir: e.SAMPLE_CUBE_DATA_DIR,
    withBroken: e.SAMPLE_CUBE_WITH_BROKEN,
    withSecondSource: e.SAMPLE_CUBE_WITH_SECOND_SOURCE,
    apiSecret: e.CUBEJS_API_SECRET,
    dbType: e.CUBEJS_DB_TYPE,
    serverCoreDir: e.SAMPLE_CUBE_SERVER_CORE_DIR,
    modelDir: `${appDir}model`,
    optionalModelDir: `${appDir}model-optional`,
  };
}

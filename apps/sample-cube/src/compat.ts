/**
 * Jobs-only compatibility mode, for machines where `@cubejs-backend/native` cannot be loaded (its
 * binary is downloaded from GitHub at install time, which fails offline). Cube 1.7.43 loads the native
 * module unconditionally in two places; these subclasses replace exactly those two factories:
 *
 * - `ApiGateway.createSQLServerInstance()` → an inert SQL server: the SQL API (Postgres protocol) is off;
 * - `CompilerApi.createNativeInstance()` → a stand-in whose Jinja engine throws: Jinja/Python models are
 *   unsupported, YAML and JS models compile normally;
 *
 * plus `CUBEJS_TESSERACT_SQL_PLANNER=false` (Cube's legacy JavaScript SQL planner). The jobs API, the
 * query orchestrator, the drivers and `/v1/sql` work; `/v1/load` does not (it formats results natively).
 * None of this is used when the native module loads: Cube then runs unmodified.
 *
 * @module
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** True when Cube's native module (and so an unmodified Cube) can run here; `cubeRequire` finds Cube's packages. */
export function nativeModuleLoads(cubeRequire: NodeJS.Require = require): boolean {
  try {
    const native = cubeRequire('@cubejs-backend/native') as { isFallbackBuild(): boolean };
    native.isFallbackBuild();
    return true;
  } catch {
    return false;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mixin base must take `...args: any[]` (TS2545)
type Constructor<T = object> = new (...args: any[]) => T;

/** Returns a subclass of Cube's server core that builds the jobs-only gateway and compiler. */
export function jobsOnlyServerCore<T extends Constructor>(ServerCore: T, cubeRequire: NodeJS.Require = require): T {
  const { ApiGateway } = cubeRequire('@cubejs-backend/api-gateway') as { ApiGateway: Constructor };
  const { CompilerApi } = cubeRequire('@cubejs-backend/server-core/dist/src/core/CompilerApi') as {
    CompilerApi: Constructor;
  };

  class JobsOnlyApiGateway extends ApiGateway {
    createSQLServerInstance() {
      return { init: async () => {}, shutdown: async () => {}, getNativeGatewayPort: () => undefined };
    }
  }

  class JobsOnlyCompilerApi extends CompilerApi {
    createNativeInstance() {
      const unsupported = () => {
        throw new Error('Jinja and Python models need @cubejs-backend/native, which is not installed (jobs-only mode)');
      };
      // Cube creates a Jinja engine on every compile; it only fails when a model actually uses Jinja.
      return {
        newJinjaEngine: () => ({ loadTemplate: unsupported, renderTemplate: unsupported }),
        loadPythonContext: unsupported,
      };
    }
  }

  class JobsOnlyServerCore extends ServerCore {
    createApiGatewayInstance(...args: unknown[]) {
      return new JobsOnlyApiGateway(...args);
    }

    createCompilerApi(repository: unknown, options: Record<string, unknown> = {}) {
      const self = this as unknown as { options: { dbType?: unknown }; createCompilerApiOptions(o: unknown): unknown };
      return new JobsOnlyCompilerApi(
        repository,
        options.dbType ?? self.options.dbType,
        self.createCompilerApiOptions(options),
      );
    }
  }
  return JobsOnlyServerCore;
}

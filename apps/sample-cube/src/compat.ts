/**
 * Jobs-only compatibility mode, for machines where `@cubejs-backend/native` cannot be loaded (its
 * binary is downloaded from GitHub at install time, which fails offline). Cube 1.7.43 loads the native
 * module unconditionally in two places; these subclasses replace exactly those two factories:
 *
 * - `ApiGateway.createSQLServerInstance()` → an inert SQL server: the SQL API (Postgres protocol) is off;
 * - `CompilerApi.createNativeInstance()` → a stand-in whose Jinja engine throws: Jinja/Python models are
 *   unsupported, YAML and JS models compile normally;
 *
 * plus `CUBEJS_TESSERACT_SQL_PLANNER=false` (Cube's legacy JavaScript SQL planner), and one for
 * `/v1/load`, whose final JSON Cube writes natively:
 *
 * - `ApiGateway.resToResultFn()` → a query's result is written from Cube's own result object and the
 *   driver's rows in JavaScript (`resultWithoutNative`), so `lastRefreshTime` and `usedPreAggregations`
 *   are Cube's; the rows' values are the driver's.
 *
 * The jobs API, the query orchestrator, the drivers, `/v1/sql` and single-query `/v1/load` work.
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

/** The part of Cube's gateway the `/v1/load` override calls. */
interface GatewayInternals {
  resToResultFn(res: unknown): (message: unknown, options?: unknown) => Promise<void>;
}

/** Cube's `ResultWrapper` (from the native package's JavaScript side), holding the driver's rows. */
interface ResultWrapper {
  readonly isWrapper: true;
  getArray(): Array<Record<string, unknown>>;
  getTransformData(): [{ aliasToMemberNameMap: Record<string, string> }];
  getRootResultObject(): [Record<string, unknown>];
}

function isResultWrapper(message: unknown): message is ResultWrapper {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { isWrapper?: unknown }).isWrapper === true &&
    typeof (message as { getArray?: unknown }).getArray === 'function'
  );
}

/** Cube's time format in results: local wall time with milliseconds, no zone. */
function formatValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString().replace(/Z$/, '') : value;
}

/**
 * A `/v1/load` result built in JavaScript, where Cube builds it natively: Cube's own result object (query,
 * `lastRefreshTime`, `usedPreAggregations`, annotation, …) with the rows' aliases named by member; a
 * time dimension with a granularity is also given under the dimension's own name, as Cube does. Values
 * are the driver's (numbers may differ in type from Cube's strings).
 */
function resultWithoutNative(wrapper: ResultWrapper): Record<string, unknown> {
  const [root] = wrapper.getRootResultObject();
  const [{ aliasToMemberNameMap }] = wrapper.getTransformData();
  const granular = new Map<string, string>();
  for (const member of Object.values(aliasToMemberNameMap)) {
    const parts = member.split('.');
    if (parts.length === 3) granular.set(member, parts.slice(0, 2).join('.'));
  }
  const data = wrapper.getArray().map((row) => {
    const named: Record<string, unknown> = {};
    for (const [alias, value] of Object.entries(row)) {
      const member = aliasToMemberNameMap[alias] ?? alias;
      named[member] = formatValue(value);
      const dimension = granular.get(member);
      if (dimension !== undefined) named[dimension] = formatValue(value);
    }
    return named;
  });
  return { ...root, data };
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

    resToResultFn(res: unknown) {
      const send = (ApiGateway.prototype as unknown as GatewayInternals).resToResultFn.call(this, res);
      return (message: unknown, options?: unknown) =>
        send(isResultWrapper(message) ? resultWithoutNative(message) : message, options);
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

/**
 * `node apps/temporal-cluster/dist/server-main.js`: builds Temporal Server and temporal-sql-tool into the
 * project's cache when they are not there yet (CI starts it early, in the background), then prints their
 * paths. Exits 1 when the build fails.
 *
 * @module
 */
import { resolveTemporalServer } from './server-binaries.js';

try {
  const { server, sqlTool, source } = await resolveTemporalServer({ log: (message) => console.error(message) });
  console.log(`${server}\n${sqlTool}\n(${source})`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

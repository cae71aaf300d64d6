/**
 * The test settings every workspace shares; each workspace's vitest.config.ts calls this with what is
 * its own. Suites that start Temporal or Cube run in the `forks` pool (Temporal's native bridge and
 * worker threads misbehave in vitest's `threads` pool), one file at a time on 2 cores.
 */
import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';

/** What differs between workspaces. */
export interface WorkspaceTestOptions {
  /** Starts servers (Temporal, Cube): forks pool, one file at a time. */
  readonly servers?: boolean;
  readonly testTimeout?: number;
  readonly hookTimeout?: number;
  readonly globalSetup?: string[];
  /** Test files left out of this run (beside vitest's defaults). */
  readonly exclude?: string[];
}

export function workspaceTestConfig(options: WorkspaceTestOptions = {}): ViteUserConfig {
  return defineConfig({
    test: {
      environment: 'node',
      include: ['test/**/*.test.ts'],
      exclude: [...configDefaults.exclude, ...(options.exclude ?? [])],
      // The JSON report feeds the run-wide summary line printed by scripts/test-summary.mjs.
      reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
      pool: 'forks',
      fileParallelism: !options.servers,
      testTimeout: options.testTimeout ?? 20_000,
      hookTimeout: options.hookTimeout ?? 60_000,
      ...(options.globalSetup ? { globalSetup: options.globalSetup } : {}),
    },
  });
}

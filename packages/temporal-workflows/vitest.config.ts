import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // The JSON report feeds the run-wide summary line printed by scripts/test-summary.mjs.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    // Temporal's native bridge and workers misbehave in worker threads; one file at a time on 2 cores.
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 15 * 60_000,
  },
});

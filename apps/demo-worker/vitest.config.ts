import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // The JSON report feeds the run-wide summary line printed by scripts/test-summary.mjs.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

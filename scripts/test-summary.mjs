#!/usr/bin/env node
// Prints one closing line for the whole run, "N passed, N failed, N skipped", from the JSON report
// each workspace's vitest writes (.vitest-results.json). Exits 1 if a report is missing or a test failed.
// The workspaces are those `npm test` runs: a vitest config and a `test` script (apps/temporal-cluster has
// only `test:cluster`, run by `npm run test:cluster`).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const workspaces = ['packages', 'apps', 'bench']
  .filter((dir) => existsSync(join(root, dir)))
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
  .filter((dir) => existsSync(join(dir, 'vitest.config.ts')))
  .filter((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.test !== undefined);

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
for (const dir of workspaces) {
  const file = join(dir, '.vitest-results.json');
  if (!existsSync(file)) {
    console.error(`no test report from ${dir}`);
    missing += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing > 0 || passed === 0 ? 1 : 0);

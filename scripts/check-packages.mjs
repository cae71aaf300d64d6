#!/usr/bin/env node
/**
 * `npm run check:packages`: packs the five published packages the way `npm publish` would and checks
 * what a user would install: publint (package.json and files), Are the Types Wrong (ESM-only profile:
 * types resolve under `node16`-ESM and `bundler`), and `npm publish --dry-run`. Leaves the tarballs,
 * named without their version, in `CUBE_JOBS_PACK_DIR` (default `.packs/`) for the example project.
 *
 * Run it after `npm run build`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packDir = resolve(process.env.CUBE_JOBS_PACK_DIR ?? join(root, '.packs'));
const PACKAGES = ['core', 'testing', 'temporal-activities', 'temporal-workflows', 'cli'];

const run = (command, args, options = {}) =>
  execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });

/** `npm publish --dry-run`, failing on the manifest fixes npm would make (e.g. a dropped `bin`). */
function publishDryRun(dir) {
  const result = spawnSync('npm', ['publish', '--dry-run', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' });
  const corrected = result.stderr.split('\n').filter((line) => /auto-corrected|was invalid|normalized/.test(line));
  if (result.status !== 0 || corrected.length > 0) {
    throw Object.assign(new Error('npm publish --dry-run'), {
      stdout: '',
      stderr: corrected.join('\n') || result.stderr,
    });
  }
}

rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir, { recursive: true });
const failures = [];
for (const name of PACKAGES) {
  const dir = join(root, 'packages', name);
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: dir }));
  const tarball = join(packDir, `cube-jobs-${name}.tgz`);
  renameSync(join(packDir, packed.filename), tarball);
  const checks = [
    ['publint', ['publint', 'run', tarball, '--strict']],
    ['attw', ['attw', tarball, '--profile', 'esm-only', '--format', 'table-flipped']],
    ['npm publish --dry-run', () => publishDryRun(dir)],
  ];
  for (const [label, check] of checks) {
    try {
      if (typeof check === 'function') check();
      else run(join(root, 'node_modules', '.bin', check[0]), check.slice(1));
      console.log(`✓ ${packed.name}: ${label}`);
    } catch (error) {
      failures.push(`${packed.name}: ${label}`);
      console.log(`✗ ${packed.name}: ${label}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
  console.log(`  ${packed.entryCount} files, ${(packed.size / 1024).toFixed(1)} KiB → ${tarball}`);
}
if (failures.length > 0) {
  console.error(`\n${failures.length} check(s) failed: ${failures.join('; ')}`);
  process.exit(1);
}

#!/usr/bin/env node
/**
 * `npm run example`: installs the example project (`examples/nightly-pipeline`) from the packed
 * tarballs that `npm run check:packages` left in `.packs/`, as a user would install from npm, and runs
 * its tests. `--update-lock` refreshes the example's lockfile after its dependencies changed.
 *
 * The lockfile records no integrity for the tarballs: they change with every build, and npm would
 * otherwise install a cached older copy (or refuse a fresh machine's).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const example = join(root, 'examples', 'nightly-pipeline');
const lockPath = join(example, 'package-lock.json');
const npm = (...args) => execFileSync('npm', args, { cwd: example, stdio: 'inherit' });

if (!existsSync(join(root, '.packs', 'cube-jobs-core.tgz'))) {
  console.error('No packed tarballs in .packs/: run `npm run build && npm run check:packages` first.');
  process.exit(2);
}

/** Removes the integrity of the tarballs from the lockfile; returns how many it removed. */
function stripPackIntegrity() {
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
  let removed = 0;
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path.startsWith('node_modules/@cube-jobs/') && 'integrity' in entry) {
      delete entry.integrity;
      removed += 1;
    }
  }
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  return removed;
}

if (process.argv.includes('--update-lock')) {
  npm('install', '--no-audit', '--no-fund');
  stripPackIntegrity();
} else if (stripPackIntegrity() > 0) {
  console.error(
    "examples/nightly-pipeline/package-lock.json recorded the tarballs' integrity; removed it (commit the change).",
  );
}
npm('ci', '--no-audit', '--no-fund');
npm('test');

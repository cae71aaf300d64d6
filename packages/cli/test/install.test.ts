/**
 * The `cube-jobs` command as npm installs it: `npm ci` on a fresh clone links `node_modules/.bin/cube-jobs`
 * only if the bin file exists before any build, so the bin is a committed file that runs the built CLI.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  files: string[];
};

describe('the cube-jobs bin', () => {
  test('points at a committed file, not at build output, and ships with the package', () => {
    const target = manifest.bin['cube-jobs'] as string;
    expect(target.startsWith('dist/')).toBe(false);
    expect(manifest.files).toContain(target.split('/')[0]);
  });

  test('is linked into node_modules/.bin by the install and prints the usage', async () => {
    const linked = join(repoRoot, 'node_modules', '.bin', 'cube-jobs');
    expect(existsSync(linked), `${linked} was not linked by npm`).toBe(true);
    expect(realpathSync(linked)).toBe(realpathSync(join(packageDir, manifest.bin['cube-jobs'] as string)));
    const { stdout } = await run(linked, ['--help']);
    expect(stdout).toMatch(/^Usage: cube-jobs/m);
  });

  test('says how to build when the CLI is not built yet', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'cube-jobs-bin-'));
    try {
      mkdirSync(join(copy, 'bin'));
      copyFileSync(join(packageDir, manifest.bin['cube-jobs'] as string), join(copy, 'bin', 'cube-jobs.js'));
      const failure = await run(process.execPath, [join(copy, 'bin', 'cube-jobs.js'), '--help']).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(2);
      expect(failure?.stderr).toContain('run `npm run build` first');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

#!/usr/bin/env node
/**
 * The public surface of every published package, as a user's editor sees it: one API Extractor report
 * per entry point (`packages/<name>/api/<entry>.api.md`, from the built `.d.ts`, `export *` resolved).
 *
 *   node scripts/api-report.mjs           checks the committed reports (npm test): fails, with the diff,
 *                                         when the surface changed without its report
 *   node scripts/api-report.mjs --update  writes the reports (commit them with the change)
 *   … [folder…]                           only these packages (e.g. `core cli`)
 *
 * It also prints the exported names per package (all entries together) and fails when a package exceeds
 * its budget below.
 * Run after a build (`npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = resolve(import.meta.dirname, '..');
const update = process.argv.includes('--update');
/** Package folders named on the command line (e.g. `core`); all when none is. */
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));

/** Most names a package may export, all entries together (issue 22's budget). */
const BUDGET = {
  '@cube-jobs/core': 40,
  '@cube-jobs/temporal-workflows': 30,
  '@cube-jobs/temporal-activities': 15,
  '@cube-jobs/testing': 30,
  '@cube-jobs/cli': 15,
};

let failed = false;
const counts = {};
for (const dir of readdirSync(join(root, 'packages'))) {
  const packageDir = join(root, 'packages', dir);
  const manifestPath = join(packageDir, 'package.json');
  if (!existsSync(manifestPath) || (only.length > 0 && !only.includes(dir))) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private) continue;
  const names = new Set();
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    // Data entries (the workflows package's `./contract/*.json`) have no TypeScript surface.
    if (typeof target === 'string' && !target.endsWith('.js')) continue;
    const types = typeof target === 'string' ? target.replace(/\.js$/, '.d.ts') : target.types;
    if (!types) continue;
    const entry = subpath === '.' ? 'index' : subpath.replace(/^\.\//, '').replaceAll('/', '-');
    const result = extract(packageDir, manifest.name, join(packageDir, types), entry);
    for (const name of result.names) names.add(name);
    if (!result.ok) failed = true;
  }
  counts[manifest.name] = names.size;
}

for (const [name, count] of Object.entries(counts)) {
  const budget = BUDGET[name];
  const over = budget !== undefined && count > budget;
  console.log(`${name}: ${count} exported names${over ? `, over its budget of ${budget}` : ''}`);
  if (over) {
    console.error(`${name} exports more than its budget: make a name internal, or raise the budget in review`);
    failed = true;
  }
}
if (failed) {
  console.error(
    '\nThe public surface changed without its API report. Review the diff above; if the change is meant,\n' +
      'run `npm run build && node scripts/api-report.mjs --update` and commit packages/*/api/.',
  );
  process.exit(1);
}

/** Keeps API Extractor's own chatter (progress lines, the report-changed notice we replace) out of the output. */
function quiet(message) {
  if (message.logLevel !== 'error') message.handled = true;
}

/** Runs API Extractor on one entry point; returns whether its report matches, and the names it exports. */
function extract(packageDir, packageName, typesPath, entry) {
  if (!existsSync(typesPath)) {
    console.error(`${packageName} (${entry}): ${typesPath} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
  const reportFolder = join(packageDir, 'api');
  // Outside dist/, so the published tarball never carries it.
  const reportTempFolder = join(root, 'node_modules', '.cache', 'api-report', packageDir.split('/').at(-1));
  mkdirSync(reportFolder, { recursive: true });
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: packageDir,
      mainEntryPointFilePath: typesPath,
      compiler: { tsconfigFilePath: join(root, 'tsconfig.base.json'), skipLibCheck: true },
      apiReport: {
        enabled: true,
        reportFileName: `${entry}.api.md`,
        reportFolder,
        reportTempFolder,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'none' },
          'ae-missing-release-tag': { logLevel: 'none' },
          'ae-forgotten-export': { logLevel: 'none' },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: join(packageDir, 'api-extractor.json'),
    packageJsonFullPath: join(packageDir, 'package.json'),
  });
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false, messageCallback: quiet });
  const fresh = join(reportTempFolder, `${entry}.api.md`);
  if (result.apiReportChanged && !update) {
    console.error(`\n${packageName} (${entry}): the public surface differs from api/${entry}.api.md:`);
    spawnSync('git', ['diff', '--no-index', '--no-color', join(reportFolder, `${entry}.api.md`), fresh], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  const report = readFileSync(fresh, 'utf8');
  const names = [
    ...report.matchAll(
      /^export (?:declare )?(?:abstract )?(?:class|function|const|let|interface|type|enum|namespace) (\w+)/gm,
    ),
  ]
    .map((match) => match[1])
    .concat([...report.matchAll(/^export \{ (\w+)(?: as (\w+))? \}/gm)].map((match) => match[2] ?? match[1]));
  return { ok: result.succeeded && (update || !result.apiReportChanged), names };
}

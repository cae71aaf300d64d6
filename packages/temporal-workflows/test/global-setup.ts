/**
 * Resolves the Temporal CLI (dev server) once per run, building it from its Go module into the cache
 * if needed, and hands its path to the test files.
 */
import { resolveTemporalCli } from '@cube-jobs/testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `server.executable` of `createLocalTestEnvironment`: the resolved CLI, else the SDK's download. */
    temporalExecutable: { type: 'existing-path'; path: string } | { type: 'cached-download' };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const cli = await resolveTemporalCli({ log: (message) => console.log(`[temporal-cli] ${message}`) });
  console.log(`[temporal-cli] using ${cli ? cli.path : "the SDK's download"}`);
  project.provide('temporalExecutable', cli ? { type: 'existing-path', path: cli.path } : { type: 'cached-download' });
}

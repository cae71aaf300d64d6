/**
 * Resolves the Temporal CLI (dev server) once per run, building it from its Go module into the cache
 * if needed, and hands its path to the test files.
 */
import { temporalServerExecutable } from '@cube-jobs/testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalExecutable: { type: 'existing-path'; path: string } | { type: 'cached-download' };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const executable = await temporalServerExecutable({ log: (message) => console.log(`[temporal-cli] ${message}`) });
  console.log(`[temporal-cli] using ${executable.type === 'existing-path' ? executable.path : "the SDK's download"}`);
  project.provide('temporalExecutable', executable);
}

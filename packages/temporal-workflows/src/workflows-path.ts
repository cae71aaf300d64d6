/**
 * Where the workflows module is on disk (Node-side).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiledWorkflows = fileURLToPath(new URL('./workflows.js', import.meta.url));

/**
 * Absolute path of the workflows module, for `Worker.create({ workflowsPath })` or `bundleWorkflowCode`.
 * Points at the compiled file, or at the TypeScript source when this module itself runs from source.
 */
export const workflowsPath: string = existsSync(compiledWorkflows)
  ? compiledWorkflows
  : compiledWorkflows.replace(/\.js$/, '.ts');

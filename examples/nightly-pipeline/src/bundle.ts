/**
 * `npm run bundle`: pre-bundles the workflow code (the pipeline and the re-exported cube-jobs
 * workflows) into `dist/workflow-bundle.js`, so workers start without webpack.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Where the worker finds the bundle. */
export const workflowBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { code } = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)),
  });
  await writeFile(workflowBundlePath, code);
  console.log(`Wrote ${workflowBundlePath}`);
}

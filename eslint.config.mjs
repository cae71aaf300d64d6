// ESLint flat config for every workspace: typescript-eslint's recommended rules plus the type-aware
// promise rules, consistent type imports, and a guard that keeps Node built-ins and worker-side
// packages out of the files that run in Temporal's workflow sandbox. Formatting is Prettier's job.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Files bundled into Temporal's workflow sandbox, or imported by it (core's protocol entry). */
const SANDBOX_FILES = [
  'packages/core/src/{protocol,job,errors,schemas,validation,policy,status,schedule,wait}.ts',
  'packages/core/src/cube-quirks/same-second-collision.ts',
  'packages/core/src/internal/retry.ts',
  'packages/temporal-workflows/src/{canonical-json,workflow-safe,workflows,build-workflow,refresh,summaries,search-attributes,metrics,wait-modes,activity-options,failures,input,job-records,retrigger-plan,types}.ts',
  'bench/src/workflows.ts',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.data/**',
      '**/coverage/**',
      '**/*.mjs',
      '**/*.js',
      '**/vitest.config.ts',
      'vitest.base.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/consistent-type-exports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@cube-jobs/*/src/*', '@cube-jobs/*/dist/*'], message: 'Import a package by its entry point.' },
          ],
        },
      ],
    },
  },
  {
    files: SANDBOX_FILES,
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules.map((name) => ({ name, message: 'Workflow-sandbox code cannot use Node built-ins.' })),
            { name: '@cube-jobs/core', message: "Import '@cube-jobs/core/protocol', the workflow-safe entry." },
            {
              name: '@cube-jobs/temporal-activities',
              allowTypeImports: true,
              message: 'Workflow code imports activity types only.',
            },
            ...[
              '@temporalio/worker',
              '@temporalio/activity',
              '@temporalio/client',
              '@temporalio/testing',
              '@cube-jobs/testing',
              'jose',
            ].map((name) => ({
              name,
              message: 'Worker-side package: not allowed in workflow-sandbox code.',
            })),
          ],
          patterns: [{ group: ['node:*'], message: 'Workflow-sandbox code cannot use Node built-ins.' }],
        },
      ],
    },
  },
  prettier,
);

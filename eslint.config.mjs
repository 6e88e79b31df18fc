// Lint rules that guard what the type checker cannot: promises nobody awaits, and workflow code
// that could lose determinism. Formatting is not linted here.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // A promise nobody awaits loses its failure: await it, return it, or mark it `void` on purpose.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    // Workflow code is replayed and must be deterministic: it imports only @temporalio/workflow (and
    // @temporalio/common, its deterministic base, for failure classes the former does not
    // re-export), sibling workflow files, the dependency-free ids, issue-operation and failure-type modules,
    // and types from anywhere.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(?!@temporalio/(workflow|common)$|\\./[^/]+$|\\.\\./jobs/(ids|issueOperation)$|\\.\\./failures/types$)',
              allowTypeImports: true,
              message:
                'Workflow code may import only @temporalio/workflow, @temporalio/common, sibling workflow files, ../jobs/ids, ../jobs/issueOperation and ../failures/types at run time; use `import type` for anything else.',
            },
          ],
        },
      ],
    },
  },
);

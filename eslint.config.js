// @ts-check
// One lint for the whole repository: `pnpm lint`, also run by `pnpm test`.
// Type-aware rules (recommendedTypeChecked) are left out: they build a program per tsconfig and would
// take several times as long as the syntactic rules on a 2-core machine.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.doc-snippets/**', '**/.turbo/**', '**/.tally-pg/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a binding unused on purpose; a rest sibling drops a field from a copy.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The repository's scripts run on Node without TypeScript: tell no-undef about Node's globals.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);

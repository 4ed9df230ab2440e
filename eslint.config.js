// ESLint: src/ and test/ with type information (tsconfig.test.json), and the JavaScript around them
// (bin/rq, bench/*.mjs, test fixtures, this file) without. `npm test` runs it; `npm run lint` alone.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'bench/.build/', 'bench/.bench-build/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise that nobody awaits loses its error, and a reply can go out before the journal
      // has the change: both are in recommendedTypeChecked (no-floating-promises, no-misused-promises,
      // await-thenable); these add the cases they miss.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `let [a, b] = …` where only b changes later reads better than two declarations.
      'prefer-const': ['error', { destructuring: 'all' }],
      // `const { name: _, ...rest } = x` drops a field on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
      // An async function without await is how this code implements promise-returning interfaces
      // (a Deliver callback, an async iterable of arguments); a missing await is what
      // no-floating-promises and no-misused-promises catch.
      '@typescript-eslint/require-await': 'off',
      // Protocol, terminal and file-format code matches control characters (NUL, ESC, C0) on purpose.
      'no-control-regex': 'off',
      // Tests match columns of aligned text; literal spaces show the layout better than ` {2}`.
      'no-regex-spaces': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'bin/rq'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS (bin/package.json), so that a client command starts without the ES module loader.
    files: ['bin/rq'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

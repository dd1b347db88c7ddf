import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import globals from 'globals'
import prettier from 'eslint-config-prettier/flat'

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test/e2e/screenshots/**', '.mailprobe-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  // Layout is Prettier's (npm run format); ESLint keeps to correctness.
  prettier,
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/block-lang': ['error', { script: { lang: 'ts' } }],
    },
  },
  {
    files: ['renderer/**/*.{ts,vue}', 'test/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Core, CLI and the contract run (or are tested) under plain Node: electron must never be imported there.
    files: ['main/core/**/*.ts', 'main/cli.ts', 'main/cli/**/*.ts', 'preload/contract/**/*.ts', 'renderer/**/*.{ts,vue}', 'test/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main/ipc, main/adapters, main/index.ts and preload/index.ts may import electron.' }] }],
    },
  },
  {
    // Core is the bottom layer: the CLI, IPC, adapters and hosts build on it, never the reverse.
    files: ['main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/core is pure Node.' }],
          patterns: [{ group: ['**/cli', '**/cli/*', '**/ipc/*', '**/adapters/*', '**/web/*'], message: 'main/core must not depend on the CLI, IPC, adapters or hosts.' }],
        },
      ],
    },
  },
  {
    // The contract is shared with the sandboxed renderer: zod only, no Node built-ins.
    files: ['preload/contract/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'electron'], message: 'The contract imports zod only.' }] }] },
  },
  {
    // Components and stores reach main through bridge/ only.
    files: ['renderer/src/**/*.{ts,vue}'],
    ignores: ['renderer/src/bridge/**'],
    rules: { 'no-restricted-globals': ['error', { name: 'window', message: 'Use useApi() from bridge/; only bridge/ touches window.' }] },
  },
)

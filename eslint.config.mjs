// ESLint for the pages' scripts: classic browser scripts (no modules, no build step), each an
// IIFE in strict mode; common.js defines the one shared global, `MPP`, the other scripts of a
// page use it. ES2017 is the language the pages promise an old office PC and a cheap tablet.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['node_modules/', '.venv/', '.dev/', 'build/', 'dist/'] },
  js.configs.recommended,
  {
    files: ['**/static/**/*.js'],
    languageOptions: {
      ecmaVersion: 2017,
      sourceType: 'script',
      globals: { ...globals.browser },
    },
    rules: {
      eqeqeq: 'error',
      strict: ['error', 'function'],
      'no-implicit-globals': 'error',
      'no-unused-vars': ['error', { caughtErrors: 'none' }],
      'no-shadow': ['error', { builtinGlobals: false }],
      'no-use-before-define': ['error', { functions: false, variables: true }],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-alert': 'off',
      'no-throw-literal': 'error',
      'no-self-compare': 'error',
      'no-unmodified-loop-condition': 'error',
      'no-unreachable-loop': 'error',
      'no-template-curly-in-string': 'error',
      'array-callback-return': 'error',
      'consistent-return': 'off',
      'default-param-last': 'error',
      'no-caller': 'error',
      'no-extend-native': 'error',
      'no-global-assign': 'error',
      'no-new-wrappers': 'error',
      'no-return-assign': 'error',
      'no-sequences': 'error',
      'no-unused-expressions': ['error', { allowShortCircuit: false, allowTernary: false }],
      'no-useless-call': 'error',
      'no-useless-concat': 'error',
      radix: 'error',
    },
  },
  {
    // Every page loads common.js first; the page's own scripts read what it defines.
    files: ['web/static/js/*.js'],
    ignores: ['web/static/js/common.js'],
    languageOptions: { globals: { MPP: 'readonly' } },
  },
  {
    files: ['eslint.config.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
];

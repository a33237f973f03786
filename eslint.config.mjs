// Lint, including the layer rules that keep each runtime in its lane:
//   engine/   never imports vscode or uses the DOM (it runs in the engine host and the CLI);
//   webview/  never imports vscode or Node built-ins (it runs in the browser sandbox);
//   only engine/runtime/ imports onnxruntime-node (loaded by the engine host or the CLI only);
//   protocol files are type-only.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const domGlobals = ['window', 'document', 'navigator', 'HTMLElement', 'localStorage'].map((name) => ({
  name,
  message: 'engine/ must not touch the DOM: it runs in Node (engine host, CLI).',
}));
const ort = { name: 'onnxruntime-node', message: 'Only engine/runtime/ may load onnxruntime-node.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-output/**', 'bench-output/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['engine/**/*.ts'],
    ignores: ['engine/runtime/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'engine/ must run without VS Code.' }, ort] }],
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
  {
    files: ['engine/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'engine/ must run without VS Code.' }] }],
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'webview/ runs in the browser sandbox: talk to the extension by postMessage.' },
            ort,
            ...nodeBuiltins.map((name) => ({ name, message: 'webview/ runs in the browser: no Node built-ins.' })),
          ],
        },
      ],
    },
  },
  {
    files: ['extension/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ort],
          patterns: [{ group: ['**/engine/runtime/**', '**/engine/host/**', '!**/engine/host/protocol'], message: 'The extension host talks to the engine through the engine client only.' }],
        },
      ],
    },
  },
  {
    // Protocol files describe messages crossing a boundary: types only, no runtime code.
    files: ['**/protocol.ts', '**/*Protocol.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'FunctionDeclaration', message: 'Protocol files are type-only.' },
        { selector: 'ClassDeclaration', message: 'Protocol files are type-only.' },
        { selector: 'VariableDeclaration', message: 'Protocol files are type-only.' },
        { selector: 'ImportDeclaration[importKind!="type"]', message: 'Protocol files import types only.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.mjs', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);

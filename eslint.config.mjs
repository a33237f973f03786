// Lint, including the layer rules that keep each runtime in its lane:
//   engine/   never imports vscode or uses the DOM (it runs in the engine host and the CLI);
//   webview/  never imports vscode or Node built-ins (it runs in the browser sandbox);
//   engine/common/  code every runtime shares (chat protocol and reducer, explain prompt): no
//             vscode, no Node built-ins, no DOM; the one part of engine/ the webview may import;
//   extension/core/ and extension/engine/  the extension's editor-free core: everything there runs
//             without the VS Code API, so plain Node tests drive it; only the adapters beside it
//             (registration, commands, views) import vscode;
//   only engine/runtime/ imports onnxruntime-node (loaded by the engine host or the CLI only);
//   protocol files are type-only.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const domGlobalsFor = (message) => ['window', 'document', 'navigator', 'HTMLElement', 'localStorage'].map((name) => ({ name, message }));
const domGlobals = domGlobalsFor('engine/ must not touch the DOM: it runs in Node (engine host, CLI).');
const ort = { name: 'onnxruntime-node', message: 'Only engine/runtime/ may load onnxruntime-node.' };
const noNode = (layer) => nodeBuiltins.map((name) => ({ name, message: `${layer} runs in the browser too: no Node built-ins.` }));
const extensionPatterns = [
  { group: ['**/engine/runtime/**', '**/engine/host/**', '!**/engine/host/protocol', '!**/engine/host/protocolVersion'], message: 'The extension host talks to the engine through extension/engine/ only.' },
  { group: ['**/webview/**'], message: 'The webview is reached by postMessage; what both sides share lives in engine/common/.' },
];
/** The editor-free folders of the extension: no VS Code API. */
export const EDITOR_FREE = ['extension/core/**/*.ts', 'extension/engine/**/*.ts'];

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
          patterns: [{ group: ['**/extension/**', '**/engine/*', '!**/engine/common'], message: 'webview/ talks to the extension by postMessage; shared code lives in engine/common/.' }],
        },
      ],
    },
  },
  {
    files: ['engine/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'engine/common/ runs in the webview, the engine and the CLI: no VS Code API.' }, ort, ...noNode('engine/common/')],
          patterns: [
            { group: ['**/extension/**', '**/webview/**', '**/engine/*', '!**/engine/common'], message: 'engine/common/ depends on nothing but itself.' },
            // Its files live one folder down (chat/, explain/, text/): two levels up is the rest of engine/.
            { group: ['../../*'], message: 'engine/common/ depends on nothing but itself.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...domGlobalsFor('engine/common/ runs in Node too: no DOM.')],
    },
  },
  {
    files: ['extension/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ort], patterns: extensionPatterns }] },
  },
  {
    files: EDITOR_FREE,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The editor-free core must run without VS Code: put the code that needs the API in an adapter beside it.' }, ort],
          patterns: extensionPatterns,
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

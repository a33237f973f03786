// onnxruntime-node must never load in VS Code's extension host: the extension bundle may not
// require it, directly or through anything it bundles; only the engine host bundle does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

test('dist/extension.js does not contain or require onnxruntime-node; dist/engineHost.js does', () => {
  const extension = readFileSync('dist/extension.js', 'utf8');
  assert.match(extension, /require\("vscode"\)/, 'this is the real extension bundle');
  // The package name, not the word: the model catalogue names the `onnxruntime/…` hub repository.
  assert.doesNotMatch(extension, /onnxruntime-node|onnxruntime_binding/);
  const host = readFileSync('dist/engineHost.js', 'utf8');
  assert.match(host, /require\("onnxruntime-node"\)/, 'the engine host is where it loads');
});

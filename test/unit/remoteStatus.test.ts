// The status bar for a remote backend: host and model in the text, endpoint, API and last error in
// the tooltip; the local states keep their own texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendState } from '../../extension/core/generationBackend';
import { describeStatus, type StatusInput } from '../../extension/core/statusView';

const server = { backendName: 'openai-compatible' as const, endpoint: 'http://gpu-box:8000/v1', host: 'gpu-box:8000', api: 'openai' as const, model: 'deepseek-r1:7b' };
const remote = (over: Partial<Extract<BackendState, { kind: 'remote' }>> = {}): StatusInput => ({
  engine: { kind: 'remote', server, phase: 'ready', ...over },
  modelConfigured: false,
  trusted: true,
  completionsEnabled: true,
});

test('ready: "$(cloud) R1 host · model", with endpoint and API in the tooltip, whether or not a local model exists', () => {
  const view = describeStatus(remote());
  assert.equal(view.text, '$(cloud) R1 gpu-box · deepseek-r1:7b');
  assert.match(view.tooltip, /openai-compatible server answers, at http:\/\/gpu-box:8000\/v1 \(openai API\)/);
  assert.match(view.tooltip, /Model: deepseek-r1:7b/);
  assert.equal(view.error, false);
});

test('before the model is known the host alone, and the tooltip says how it will be chosen', () => {
  const view = describeStatus(remote({ server: { ...server, model: undefined }, phase: 'idle' }));
  assert.equal(view.text, '$(cloud) R1 gpu-box');
  assert.match(view.tooltip, /server's first, chosen on first use/);
});

test('connecting and running completions spin or show activity; the last error is shown until a success', () => {
  assert.match(describeStatus(remote({ phase: 'connecting' })).text, /sync~spin/);
  assert.match(describeStatus({ ...remote(), completion: { running: true } }).text, /cloud-upload/);
  const failed = describeStatus(remote({ lastError: 'connect ECONNREFUSED 10.0.0.5:8000' }));
  assert.equal(failed.error, true);
  assert.equal(failed.text, '$(error) R1 gpu-box · deepseek-r1:7b');
  assert.match(failed.tooltip, /Last error: connect ECONNREFUSED/);
});

// r1Local.backend chooses local or remote on every call, so switching needs no reload; a changed
// remote setting makes a new remote backend; the state follows the chosen one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GenerationEvent, GenerationRequest } from '../../engine/types';
import { Emitter } from '../../extension/core/emitter';
import type { BackendCapabilities, BackendState, GenerationBackend } from '../../extension/core/generationBackend';
import { BackendSwitch, type BackendChoice } from '../../extension/core/remote/backendSwitch';
import { remoteBackend } from './remoteFakes';

class FakeLocal implements GenerationBackend {
  readonly states = new Emitter<BackendState>();
  readonly onDidChangeState = this.states.event;
  state: BackendState = { kind: 'stopped' };
  capabilities: BackendCapabilities | undefined = { modelName: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B', reasoning: true, tokenCount: true };
  calls = 0;
  async prepare() {
    return this.capabilities!;
  }
  async *generate(): AsyncIterable<GenerationEvent> {
    this.calls++;
  }
  async countTokens() {
    return 7;
  }
}

const request: GenerationRequest = { kind: 'chat', prompt: { type: 'chat', messages: [{ role: 'user', content: 'hi' }] }, maxNewTokens: 8 };

function setup(initial: BackendChoice = 'local') {
  let choice = initial;
  const local = new FakeLocal();
  const made: ReturnType<typeof remoteBackend>[] = [];
  const sw = new BackendSwitch(local, () => {
    const r = remoteBackend();
    made.push(r);
    return r.backend;
  }, () => choice);
  const states: BackendState[] = [];
  sw.onDidChangeState((s) => states.push(s));
  return { sw, local, made, states, choose: (c: BackendChoice) => (choice = c) };
}

test('local by default: requests, state, capabilities and token counts are the local engine’s; no remote is made', async () => {
  const { sw, local, made } = setup();
  for await (const _ of sw.generate(request, new AbortController().signal)) void _;
  assert.equal(local.calls, 1);
  assert.equal(sw.state.kind, 'stopped');
  assert.equal(await sw.countTokens({ type: 'text', text: 'x' }), 7);
  assert.equal(made.length, 0);
});

test('switching to openai-compatible takes effect on the next call, without reload, and back again', async () => {
  const { sw, local, made, choose } = setup();
  choose('openai-compatible');
  sw.reconfigure();
  const events: GenerationEvent[] = [];
  for await (const e of sw.generate(request, new AbortController().signal)) events.push(e);
  assert.equal(local.calls, 0);
  assert.equal(made.length, 1);
  assert.equal(events.at(-1)?.type, 'done');
  assert.equal(sw.state.kind, 'remote');
  assert.equal(sw.capabilities?.origin?.backend, 'openai-compatible');
  await assert.rejects(sw.countTokens({ type: 'text', text: 'x' }), /cannot count tokens/);
  choose('local');
  assert.equal(sw.state.kind, 'stopped');
  assert.equal(sw.remoteBackend(), undefined);
});

test('reconfigure drops the remote backend (aborting its requests) and announces the new state', () => {
  const { sw, made, states, choose } = setup('openai-compatible');
  const first = sw.remoteBackend();
  assert.ok(first);
  sw.reconfigure();
  assert.notEqual(sw.remoteBackend(), first);
  assert.equal(made.length, 2);
  assert.equal(states.at(-1)?.kind, 'remote');
  choose('local');
  sw.reconfigure();
  assert.equal(states.at(-1)?.kind, 'stopped');
});

test("the local engine's state changes are forwarded only while it is chosen", () => {
  const { sw, local, states, choose } = setup();
  local.states.fire({ kind: 'starting' });
  assert.equal(states.length, 1);
  choose('openai-compatible');
  local.states.fire({ kind: 'stopped' });
  assert.equal(states.length, 1);
  sw.dispose();
});

// The webview's pure state: how streamed events split into reasoning and answer, when reasoning
// counts as finished, and what a saved state must look like to be restored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isReasoningOpen, isThinking, reasoningSeconds, titleFrom } from '../../engine/common/chat/conversation';
import { initialViewState, isBusy, reduceHostMessage, reduceLocal, restoreViewState, type ViewState } from '../../webview/state';
import type { HostToWebview } from '../../engine/common/chat/protocol';
import { T0, conversation, msg, snapshot, streamingTurn } from './webviewFixtures';

function run(messages: HostToWebview[], start: ViewState = initialViewState()): ViewState {
  return messages.reduce(reduceHostMessage, start);
}

test('reasoning and answer deltas land in separate fields, tokens counted on the reasoning channel', () => {
  const state = run([
    msg.snapshot(),
    msg.started(),
    msg.reasoning('Light scatters', T0 + 500, 2),
    msg.reasoning(' more at short wavelengths.', T0 + 1500, 5),
    msg.answer('Rayleigh ', T0 + 4200, 2),
    msg.answer('scattering.', T0 + 4300, 3),
  ]);
  const turn = state.snapshot!.conversation.turns[0];
  assert.equal(turn.reasoning, 'Light scatters more at short wavelengths.');
  assert.equal(turn.answer, 'Rayleigh scattering.');
  assert.equal(turn.reasoningTokens, 7);
  assert.equal(turn.reasoningStartedAt, T0 + 500);
  assert.equal(turn.reasoningEndedAt, T0 + 4200, 'the first answer text ends the reasoning');
  assert.equal(isThinking(turn), false);
  assert.equal(isBusy(state), true, 'still streaming the answer');
});

test('"Thought for N s" measures from the first reasoning token to the first answer token', () => {
  const state = run([msg.snapshot(), msg.started(), msg.reasoning('hmm', T0 + 1000), msg.answer('ok', T0 + 8400), msg.finished(T0 + 9000)]);
  const turn = state.snapshot!.conversation.turns[0];
  assert.equal(reasoningSeconds(turn, T0 + 60_000), 7);
  assert.equal(turn.status, 'done');
  assert.equal(isBusy(state), false);
});

test('while thinking, the timer runs to "now" and the section is open unless the user closed it', () => {
  let state = run([msg.snapshot(), msg.started(), msg.reasoning('a', T0 + 1000)]);
  const thinking = state.snapshot!.conversation.turns[0];
  assert.equal(isThinking(thinking), true);
  assert.equal(reasoningSeconds(thinking, T0 + 4000), 3);
  assert.equal(isReasoningOpen(thinking), true);
  state = reduceLocal(state, { type: 'toggleReasoning', turnId: 't1', expanded: false });
  assert.equal(isReasoningOpen(state.snapshot!.conversation.turns[0]), false);
});

test('after reasoning ends the section collapses, but a user-expanded one stays open', () => {
  const base = run([msg.snapshot(), msg.started(), msg.reasoning('a', T0 + 1000), msg.answer('b', T0 + 2000)]);
  assert.equal(isReasoningOpen(base.snapshot!.conversation.turns[0]), false);
  const expanded = reduceLocal(base, { type: 'toggleReasoning', turnId: 't1', expanded: true });
  const later = run([msg.answer('c', T0 + 2500), msg.finished(T0 + 3000)], expanded);
  assert.equal(isReasoningOpen(later.snapshot!.conversation.turns[0]), true);
});

test('a turn stopped while thinking ends its reasoning at the stop', () => {
  const state = run([
    msg.snapshot(),
    msg.started(),
    msg.reasoning('a', T0 + 1000),
    { v: 1, type: 'turnFinished', turnId: 't1', status: 'stopped', at: T0 + 3000 },
    msg.reasoning('late token after stop', T0 + 3100),
  ]);
  const turn = state.snapshot!.conversation.turns[0];
  assert.equal(turn.status, 'stopped');
  assert.equal(turn.reasoning, 'a', 'deltas after the turn ended are ignored');
  assert.equal(reasoningSeconds(turn, T0 + 99_000), 2);
});

test('events for unknown turns, and before any snapshot, change nothing', () => {
  const before = initialViewState();
  assert.equal(reduceHostMessage(before, msg.started()), before);
  const withSnapshot = run([msg.snapshot()]);
  assert.equal(reduceHostMessage(withSnapshot, msg.answer('x', T0, 1, 'nope')), withSnapshot);
});

test('the first user message titles the conversation and moves it to the top of the history', () => {
  const state = run([
    msg.snapshot(snapshot({ history: [{ id: 'old', title: 'Old chat', updatedAt: T0 - 1, turnCount: 2 }] })),
    msg.started(streamingTurn('t1', '  Explain   this\nregex please ')),
  ]);
  assert.equal(state.snapshot!.conversation.title, 'Explain this regex please');
  assert.deepEqual(state.snapshot!.history.map((h) => h.id), ['c1', 'old']);
  assert.equal(titleFrom('x'.repeat(200)).length, 60);
});

test('history restore: a saved state round-trips through JSON; foreign or damaged states are dropped', () => {
  const state = run([msg.snapshot(snapshot({ conversation: conversation('c9') })), msg.started(), msg.reasoning('r', T0 + 1), msg.answer('a', T0 + 2)]);
  const withDraft = reduceLocal(state, { type: 'draft', text: 'half-typed' });
  const restored = restoreViewState(JSON.parse(JSON.stringify(withDraft)));
  assert.deepEqual(restored, withDraft);
  assert.deepEqual(restoreViewState(undefined), initialViewState());
  assert.deepEqual(restoreViewState({ v: 2, snapshot: null, draft: '' }), initialViewState());
  assert.deepEqual(restoreViewState({ v: 1, snapshot: { conversation: 'nope' }, draft: '' }), initialViewState());
  assert.equal(restoreViewState({ v: 1, snapshot: null, draft: 42 }).draft, '');
});

test('budget and model changes update the snapshot', () => {
  let state = run([msg.snapshot()]);
  state = reduceLocal(state, { type: 'setBudget', budget: 'off' });
  state = reduceHostMessage(state, { v: 1, type: 'model', model: { state: 'missing' } });
  assert.equal(state.snapshot!.budget, 'off');
  assert.deepEqual(state.snapshot!.model, { state: 'missing' });
});

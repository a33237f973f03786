// The chat webview rendered in jsdom, driven as VS Code would drive it: a fake webview API,
// messages posted to `window`, clicks on the controls. Renders run synchronously (no animation frames).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostToWebview, WebviewToHost } from '../../engine/common/chat/protocol';
import type { ViewState } from '../../webview/state';
import { chatAppInDom } from './webviewTestDom';
import { T0, conversation, msg, snapshot, streamingTurn } from './webviewFixtures';

const startChatApp = chatAppInDom();

class FakeApi {
  posted: WebviewToHost[] = [];
  saved: unknown;
  constructor(saved?: unknown) {
    this.saved = saved;
  }
  postMessage(message: WebviewToHost) {
    this.posted.push(message);
  }
  getState() {
    return this.saved;
  }
  setState(state: ViewState) {
    this.saved = JSON.parse(JSON.stringify(state));
  }
}

function mount(saved?: unknown) {
  document.body.replaceChildren();
  const api = new FakeApi(saved);
  const app = startChatApp(api, document.body, { schedule: (callback) => callback(), tickMs: 60_000 });
  const deliver = (...messages: HostToWebview[]) => {
    for (const data of messages) window.dispatchEvent(new window.MessageEvent('message', { data }));
  };
  const q = (testId: string) => document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  const qa = (testId: string) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`));
  return { api, app, deliver, q, qa };
}

test('the webview says ready first, then renders the snapshot it is sent', () => {
  const { api, app, deliver, q } = mount();
  assert.deepEqual(api.posted[0], { v: 1, type: 'ready' });
  assert.ok(q('r1-chat-root'));
  deliver(msg.snapshot());
  assert.equal(q('empty-state')!.hidden, true);
  assert.equal(q('send')!.hidden, false);
  assert.equal(q('stop')!.hidden, true);
  app.dispose();
});

test('streaming: reasoning shows live as "Thinking…", the answer renders as Markdown, then "Thought for N s"', () => {
  const { app, deliver, q, api } = mount();
  deliver(msg.snapshot(), msg.started(), msg.reasoning('Let me think', T0 + 1000, 3));
  app.view.tick(T0 + 3000);
  assert.equal(q('reasoning-summary')!.textContent, 'Thinking… 2 s · 3 tokens');
  assert.equal((q('reasoning') as HTMLDetailsElement).open, true);
  assert.equal(q('reasoning')!.querySelector('.reasoning-text')!.textContent, 'Let me think');
  assert.equal(q('stop')!.hidden, false, 'Stop replaces Send while generating');
  assert.equal(q('send')!.hidden, true);

  deliver(msg.answer('Use **map**:\n\n```ts\nconst', T0 + 6000), msg.answer(' xs = [1].map(String);\n```\n', T0 + 6100));
  assert.match(q('reasoning-summary')!.textContent!, /^Thought for 5 s$/);
  assert.equal((q('reasoning') as HTMLDetailsElement).open, false, 'collapses when the answer starts');
  const answer = q('answer')!;
  assert.equal(answer.querySelector('strong')!.textContent, 'map');
  assert.equal(answer.querySelector('pre code')!.textContent, 'const xs = [1].map(String);\n');
  assert.ok(answer.querySelector('.hljs-keyword'), 'code is highlighted');

  deliver(msg.finished(T0 + 7000));
  assert.equal(q('turn-stats')!.textContent, '17.3 tok/s · cpu');
  assert.equal(q('stop')!.hidden, true);
  assert.equal(JSON.parse(JSON.stringify(api.saved)).snapshot.conversation.turns[0].status, 'done', 'state saved for restore');
  app.dispose();
});

test('undecodable output shows as marked characters and a note, not silence', () => {
  const { app, deliver, q, qa } = mount();
  deliver(msg.snapshot(), msg.started(), msg.reasoning('step \uFFFD', T0 + 100), msg.answer('Use \uFFFD\uFFFD here and `a\uFFFD`', T0 + 200));
  const marks = qa('undecodable');
  assert.deepEqual(marks.map((m) => m.textContent), ['\uFFFD', '\uFFFD\uFFFD', '\uFFFD'], 'each run is marked: reasoning, answer text, inline code');
  assert.ok(marks.every((m) => m.title.includes('not valid UTF-8')));
  assert.equal(q('answer')!.textContent?.trim(), 'Use \uFFFD\uFFFD here and a\uFFFD', 'the text itself is kept');
  assert.equal(q('undecodable-note')!.textContent, '4 characters of this reply could not be decoded as text (marked \uFFFD).');
  deliver(msg.finished(T0 + 300));
  assert.ok(q('undecodable-note'), 'still said once the turn is done');
  app.dispose();
});

test('a reply that decoded cleanly has no marks and no note', () => {
  const { app, deliver, q, qa } = mount();
  deliver(msg.snapshot(), msg.started(), msg.answer('All fine: é, 中, 🙂', T0 + 200), msg.finished(T0 + 300));
  assert.deepEqual(qa('undecodable'), []);
  assert.equal(q('undecodable-note'), null);
  app.dispose();
});

test('code blocks have Copy and Insert buttons that post the exact code', () => {
  const { app, deliver, qa, api } = mount();
  deliver(msg.snapshot(), msg.started(), msg.answer('```py\nprint("<b>")\n```\n\n```\nplain\n```', T0 + 10), msg.finished(T0 + 20));
  assert.equal(qa('code-copy').length, 2);
  qa('code-copy')[0].click();
  qa('code-insert')[1].click();
  assert.deepEqual(api.posted.slice(-2), [
    { v: 1, type: 'copyCode', code: 'print("<b>")\n' },
    { v: 1, type: 'insertCode', code: 'plain\n' },
  ]);
  app.dispose();
});

test('clicking the summary toggles the remembered expanded state and tells the extension', () => {
  const { app, deliver, q, api } = mount();
  deliver(msg.snapshot(), msg.started(), msg.reasoning('r', T0 + 1), msg.answer('a', T0 + 2), msg.finished(T0 + 3));
  assert.equal((q('reasoning') as HTMLDetailsElement).open, false);
  q('reasoning-summary')!.click();
  assert.equal((q('reasoning') as HTMLDetailsElement).open, true);
  assert.deepEqual(api.posted.at(-1), { v: 1, type: 'toggleReasoning', turnId: 't1', expanded: true });
  app.dispose();
});

test('Send posts the text with the chosen budget; Enter sends, Stop and New chat post their messages', () => {
  const { app, deliver, q, api } = mount();
  deliver(msg.snapshot(snapshot({ budget: 'short' })));
  const input = q('chat-input') as HTMLElement & { value: string };
  input.value = '  What does this do?  ';
  q('send')!.click();
  assert.deepEqual(api.posted.at(-1), { v: 1, type: 'send', text: 'What does this do?', budget: 'short' });
  assert.equal(input.value, '', 'input cleared after sending');

  const budget = q('budget') as HTMLElement & { value: string };
  budget.value = 'long';
  budget.dispatchEvent(new window.Event('change'));
  assert.deepEqual(api.posted.at(-1), { v: 1, type: 'setBudget', budget: 'long' });

  input.value = 'second';
  input.dispatchEvent(new window.KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  assert.deepEqual(api.posted.at(-1), { v: 1, type: 'send', text: 'second', budget: 'long' });

  deliver(msg.started());
  q('stop')!.click();
  assert.deepEqual(api.posted.at(-1), { v: 1, type: 'stop' });
  q('new-chat')!.click();
  assert.deepEqual(api.posted.at(-1), { v: 1, type: 'newChat' });
  app.dispose();
});

test('nothing is sent while a reply is streaming', () => {
  const { app, deliver, q, api } = mount();
  deliver(msg.snapshot(), msg.started());
  (q('chat-input') as HTMLElement & { value: string }).value = 'again';
  q('chat-input')!.dispatchEvent(new window.KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  assert.equal(api.posted.filter((m) => m.type === 'send').length, 0);
  app.dispose();
});

test('history restore: a re-created webview shows the saved conversation before the extension answers', () => {
  const first = mount();
  first.deliver(msg.snapshot(snapshot({ conversation: conversation('c7') })), msg.started(streamingTurn('t1', 'keep me')), msg.answer('kept *answer*', T0 + 5), msg.finished(T0 + 6));
  first.app.dispose();
  const saved = first.api.saved;

  const second = mount(saved);
  assert.equal(second.q('user-message')!.textContent, 'keep me');
  assert.equal(second.q('answer')!.querySelector('em')!.textContent, 'answer');
  assert.deepEqual(second.api.posted, [{ v: 1, type: 'ready' }]);
  second.app.dispose();
});

test('empty state: with no model the view offers download and folder selection, and Send is disabled', () => {
  const { app, deliver, q, api } = mount();
  deliver(msg.snapshot(snapshot({ model: { state: 'missing' } })));
  assert.equal(q('empty-state')!.hidden, false);
  assert.ok(q('send')!.hasAttribute('disabled'));
  q('download-model')!.click();
  q('select-model-folder')!.click();
  assert.deepEqual(api.posted.slice(-2), [
    { v: 1, type: 'runCommand', command: 'r1Local.downloadModel' },
    { v: 1, type: 'runCommand', command: 'r1Local.selectModelFolder' },
  ]);
  deliver({ v: 1, type: 'model', model: { state: 'ready' } });
  assert.equal(q('empty-state')!.hidden, true);
  app.dispose();
});

test('empty state while a download runs: says where the progress is, offers no second download, Send stays disabled', () => {
  const { app, deliver, q } = mount();
  deliver(msg.snapshot(snapshot({ model: { state: 'missing' } })));
  assert.equal(q('download-model')!.closest<HTMLElement>('.empty-state-actions')!.hidden, false);
  deliver({ v: 1, type: 'model', model: { state: 'downloading' } });
  assert.equal(q('empty-state')!.hidden, false);
  assert.match(q('empty-state')!.textContent ?? '', /Downloading the model/);
  assert.equal(q('download-model')!.closest<HTMLElement>('.empty-state-actions')!.hidden, true);
  assert.ok(q('send')!.hasAttribute('disabled'));
  deliver({ v: 1, type: 'model', model: { state: 'missing' } });
  assert.match(q('empty-state')!.textContent ?? '', /No model installed/);
  assert.equal(q('download-model')!.closest<HTMLElement>('.empty-state-actions')!.hidden, false);
  deliver({ v: 1, type: 'model', model: { state: 'ready' } });
  assert.equal(q('empty-state')!.hidden, true);
  app.dispose();
});

test('messages that are not from this protocol are ignored', () => {
  const { app, deliver, q } = mount();
  deliver(msg.snapshot());
  deliver({ v: 2, type: 'snapshot', snapshot: snapshot({ model: { state: 'missing' } }) } as unknown as HostToWebview);
  window.dispatchEvent(new window.MessageEvent('message', { data: 'hello' }));
  assert.equal(q('empty-state')!.hidden, true);
  app.dispose();
});

test('opening a conversation from the history dropdown asks the extension for it', () => {
  const { app, deliver, q, api } = mount();
  deliver(msg.snapshot(snapshot({ history: [{ id: 'c1', title: 'Now', updatedAt: T0, turnCount: 1 }, { id: 'c0', title: 'Before', updatedAt: T0 - 5, turnCount: 3 }] })));
  const history = q('history') as HTMLElement & { value: string };
  assert.deepEqual(Array.from(history.children, (o) => o.textContent), ['Now', 'Before']);
  history.value = 'c0';
  history.dispatchEvent(new window.Event('change'));
  assert.deepEqual(api.posted.at(-1), { v: 1, type: 'openConversation', id: 'c0' });
  app.dispose();
});

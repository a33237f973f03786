import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_SPECIAL_TOKENS } from '../../engine/fixtures/tokenizerFixture';
import { useFixtureTokenizer } from '../helpers/fixtureTokenizer';
import { type TextTokenizer } from '../../engine/text/tokenizer';
import { ChatTemplate, ChatTemplateError, stripReasoning, type TemplateMessage } from '../../engine/text/chatTemplate';

let tokenizer: TextTokenizer;
let template: ChatTemplate;

useFixtureTokenizer((t) => {
  tokenizer = t;
  template = ChatTemplate.forTokenizer(t);
});

test('one turn: bos, user turn, generation prompt ending in <｜Assistant｜><think>\\n', () => {
  const prompt = template.render([{ role: 'user', content: 'What is 2+2?' }]);
  assert.equal(prompt, '<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\n');
  const ids = tokenizer.encode(prompt);
  assert.equal(ids[0], FIXTURE_SPECIAL_TOKENS.bos);
  assert.equal(ids.filter((id) => id === FIXTURE_SPECIAL_TOKENS.bos).length, 1, 'a single bos');
  assert.deepEqual(ids.slice(-3, -1), [FIXTURE_SPECIAL_TOKENS.assistant, FIXTURE_SPECIAL_TOKENS.thinkStart]);
});

test('three turns: old reasoning is dropped, answers kept, eos after each assistant turn', () => {
  const messages: TemplateMessage[] = [
    { role: 'user', content: 'Q1' },
    { role: 'assistant', content: '<think>\nsecret trace one\n</think>\n\nA1' },
    { role: 'user', content: 'Q2' },
    { role: 'assistant', content: '<think>\nsecret trace two\n</think>\n\nA2' },
    { role: 'user', content: 'Q3' },
  ];
  const prompt = template.render(messages);
  assert.ok(!prompt.includes('secret'), 'no reasoning fed back');
  assert.equal(
    prompt,
    '<｜begin▁of▁sentence｜><｜User｜>Q1<｜Assistant｜>\n\nA1<｜end▁of▁sentence｜>' +
      '<｜User｜>Q2<｜Assistant｜>\n\nA2<｜end▁of▁sentence｜><｜User｜>Q3<｜Assistant｜><think>\n',
  );
});

test('a template that keeps reasoning still never sees it', () => {
  const naive = new ChatTemplate("{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}");
  const prompt = naive.render([
    { role: 'user', content: 'Q' },
    { role: 'assistant', content: '<think>hidden</think>shown' },
    { role: 'user', content: 'again' },
  ]);
  assert.equal(prompt, '[user]Q[assistant]shown[user]again[assistant]');
  assert.equal(naive.render([{ role: 'user', content: 'x' }], { addGenerationPrompt: false }), '[user]x');
});

test('stripReasoning: first </think> closes; an unclosed trace is all reasoning; plain text unchanged', () => {
  assert.equal(stripReasoning('<think>a</think>b ```</think>```'), 'b ```</think>```');
  assert.equal(stripReasoning('<think>\nstill thinking'), '');
  assert.equal(stripReasoning('just an answer'), 'just an answer');
});

test('system prompt is prepended after bos', () => {
  const prompt = template.render([
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
  ]);
  assert.equal(prompt, '<｜begin▁of▁sentence｜>Be brief.<｜User｜>Hi<｜Assistant｜><think>\n');
});

test('bad input and missing or broken templates give clear errors', () => {
  assert.throws(() => template.render([]), ChatTemplateError);
  assert.throws(() => template.render([{ role: 'tool' as 'user', content: 'x' }]), /role system, user or assistant/);
  assert.throws(() => template.render([{ role: 'user', content: 42 as unknown as string }]), ChatTemplateError);
  assert.throws(() => new ChatTemplate(undefined), /no chat template/);
  assert.throws(() => new ChatTemplate('{% for %}'), /could not be parsed/);
  assert.throws(() => new ChatTemplate('{{ raise_exception("nope") }}').render([{ role: 'user', content: 'x' }]), /failed to render/);
});

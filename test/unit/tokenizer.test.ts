import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_SPECIAL_TOKENS, writeFixtureTokenizerFiles } from '../../engine/fixtures/tokenizerFixture';
import { TextTokenizer, TokenizerLoadError } from '../../engine/text/tokenizer';

let root: string;
let tokenizer: TextTokenizer;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'r1-tok-'));
  writeFixtureTokenizerFiles(join(root, 'model'));
  tokenizer = TextTokenizer.fromFolder(join(root, 'model'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const samples: Record<string, string> = {
  unicode: 'naïve façade — Zürich, 日本語のテキスト, Ελληνικά, עברית',
  emoji: 'ok 😀 family 👨‍👩‍👧‍👦 flag 🇫🇷 skin 👍🏽',
  crlf: 'first line\r\nsecond line\r\n\r\nlast',
  code: 'export function add(a: number, b: number): number {\n\treturn a + b; // sum\n}\n',
  python: 'def f(x):\n    if x < 2:\n        return x\n    return f(x - 1)\n',
  tags: '<think>\nreasoning</think>\n\nanswer',
};

for (const [name, text] of Object.entries(samples)) {
  test(`round trip: ${name}`, () => {
    const ids = tokenizer.encode(text);
    assert.equal(tokenizer.decode(ids), text);
  });
}

test('bos only when asked, special tokens skippable, think tags are added but not special', () => {
  const ids = tokenizer.encode('hello', { addSpecialTokens: true });
  assert.equal(ids[0], FIXTURE_SPECIAL_TOKENS.bos);
  assert.notEqual(tokenizer.encode('hello')[0], FIXTURE_SPECIAL_TOKENS.bos);
  assert.equal(tokenizer.decode([...ids, FIXTURE_SPECIAL_TOKENS.eos], { skipSpecialTokens: true }), 'hello');
  assert.equal(tokenizer.tokenId('</think>'), FIXTURE_SPECIAL_TOKENS.thinkEnd);
  assert.equal(tokenizer.isSpecial(FIXTURE_SPECIAL_TOKENS.thinkEnd), false);
  assert.equal(tokenizer.isSpecial(FIXTURE_SPECIAL_TOKENS.eos), true);
  assert.equal(tokenizer.bosToken, '<｜begin▁of▁sentence｜>');
  assert.equal(tokenizer.eosToken, '<｜end▁of▁sentence｜>');
  assert.ok(tokenizer.chatTemplate?.includes('<｜Assistant｜>'));
  assert.equal(tokenizer.vocabSize, FIXTURE_SPECIAL_TOKENS.eos + 22);
});

test('token bytes concatenate to the UTF-8 of the text, also for characters split across tokens', () => {
  const text = samples.emoji + samples.unicode;
  const ids = tokenizer.encode(text);
  const parts = ids.map((id) => tokenizer.tokenBytes(id));
  const joined = Buffer.concat(parts.map((p) => Buffer.from(p)));
  assert.equal(joined.toString('utf8'), text);
  assert.ok(parts.some((p) => Buffer.from(p).toString('utf8').includes('\uFFFD')), 'some token holds part of a character');
});

test('unknown ids (model padding rows) decode to nothing; invalid ids are an error', () => {
  const hello = tokenizer.encode('hello');
  assert.equal(tokenizer.decode([...hello, tokenizer.vocabSize + 3]), 'hello');
  assert.equal(tokenizer.decode([]), '');
  assert.equal(tokenizer.tokenBytes(tokenizer.vocabSize + 3).length, 0);
  assert.throws(() => tokenizer.decode([-1]), RangeError);
  assert.throws(() => tokenizer.tokenBytes(1.5), RangeError);
});

test('missing or corrupt tokenizer files give clear errors', () => {
  const empty = join(root, 'empty');
  mkdirSync(empty);
  assert.throws(() => TextTokenizer.fromFolder(empty), (e: unknown) => e instanceof TokenizerLoadError && e.code === 'tokenizer-missing' && /tokenizer\.json not found/.test(e.message));
  assert.throws(() => TextTokenizer.fromFolder(join(root, 'no-such-folder')), (e: unknown) => e instanceof TokenizerLoadError && e.code === 'tokenizer-missing');

  const corrupt = join(root, 'corrupt');
  mkdirSync(corrupt);
  writeFileSync(join(corrupt, 'tokenizer.json'), '{"model": {"vocab": {"a": 0}');
  assert.throws(() => TextTokenizer.fromFolder(corrupt), (e: unknown) => e instanceof TokenizerLoadError && e.code === 'tokenizer-invalid' && /not valid JSON/.test(e.message));

  writeFileSync(join(corrupt, 'tokenizer.json'), '[1, 2, 3]');
  assert.throws(() => TextTokenizer.fromFolder(corrupt), (e: unknown) => e instanceof TokenizerLoadError && /not a JSON object/.test(e.message));

  writeFileSync(join(corrupt, 'tokenizer.json'), '{"model": {"type": "Nope", "vocab": {"a": 0}}}');
  assert.throws(() => TextTokenizer.fromFolder(corrupt), (e: unknown) => e instanceof TokenizerLoadError && e.code === 'tokenizer-invalid');
});

test('a folder without tokenizer_config.json still tokenizes, and chat_template.jinja is picked up', () => {
  const dir = join(root, 'template-file');
  writeFixtureTokenizerFiles(dir);
  rmSync(join(dir, 'tokenizer_config.json'));
  const bare = TextTokenizer.fromFolder(dir);
  const spaced = "it 's done . right ? yes !";
  assert.equal(bare.decode(bare.encode(spaced)), spaced, 'no space clean-up on byte-level text, even without the config flag');
  assert.equal(bare.chatTemplate, undefined);
  writeFileSync(join(dir, 'chat_template.jinja'), '{{ messages[0].content }}');
  assert.equal(TextTokenizer.fromFolder(dir).chatTemplate, '{{ messages[0].content }}');
});

test('chat_template.jinja wins over tokenizer_config.json, as in transformers; an empty one is ignored', () => {
  const dir = join(root, 'template-both');
  writeFixtureTokenizerFiles(dir);
  const fromConfig = TextTokenizer.fromFolder(dir).chatTemplate;
  assert.ok(fromConfig?.includes('<｜Assistant｜>'));
  writeFileSync(join(dir, 'chat_template.jinja'), '{{ bos_token }}{{ messages[0].content }}');
  const both = TextTokenizer.fromFolder(dir);
  assert.equal(both.chatTemplate, '{{ bos_token }}{{ messages[0].content }}');
  assert.equal(both.bosToken, '<｜begin▁of▁sentence｜>', 'the rest of tokenizer_config.json still applies');
  writeFileSync(join(dir, 'chat_template.jinja'), '  \n');
  assert.equal(TextTokenizer.fromFolder(dir).chatTemplate, fromConfig);
});

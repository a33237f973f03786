import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  FIXTURE_SPECIAL_TOKENS,
  FIXTURE_VOCAB_SIZE,
  writeFixtureTokenizerFiles,
} from '../../engine/fixtures/tokenizerFixture';

function withFixture(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'r1-tokfix-'));
  try {
    writeFixtureTokenizerFiles(dir);
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function load(dir: string): { tokenizer: Tokenizer; json: { model: { vocab: Record<string, number>; merges: string[] } } } {
  const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
  return { tokenizer: new Tokenizer(json, config), json };
}

test('fixture tokenizer loads with @huggingface/tokenizers and puts the R1 tokens after the regular vocabulary', () => {
  withFixture((dir) => {
    const { tokenizer, json } = load(dir);
    const regularIds = Object.values(json.model.vocab);
    const maxRegular = Math.max(...regularIds);
    assert.equal(regularIds.length, maxRegular + 1, 'regular ids are dense from 0');
    assert.ok(json.model.merges.length >= 200, 'a few hundred merges');
    const names: Array<[keyof typeof FIXTURE_SPECIAL_TOKENS, string]> = [
      ['eos', '<｜end▁of▁sentence｜>'],
      ['user', '<｜User｜>'],
      ['assistant', '<｜Assistant｜>'],
      ['bos', '<｜begin▁of▁sentence｜>'],
      ['eot', '<|EOT|>'],
      ['thinkStart', '<think>'],
      ['thinkEnd', '</think>'],
      ['fimPrefix', '<|fim_prefix|>'],
      ['fimMiddle', '<|fim_middle|>'],
      ['fimSuffix', '<|fim_suffix|>'],
      ['fimPad', '<|fim_pad|>'],
    ];
    let previous = maxRegular;
    for (const [key, content] of names) {
      const id = FIXTURE_SPECIAL_TOKENS[key];
      assert.equal(tokenizer.token_to_id(content), id, content);
      assert.ok(id > previous, `${content} keeps R1's relative order`);
      assert.ok(id < FIXTURE_VOCAB_SIZE);
      previous = id;
    }
    // R1 marks <think> and </think> as added but not special.
    const added = tokenizer.get_added_tokens_decoder();
    assert.equal(added.get(FIXTURE_SPECIAL_TOKENS.thinkStart)?.special, false);
    assert.equal(added.get(FIXTURE_SPECIAL_TOKENS.eos)?.special, true);
  });
});

test('fixture tokenizer round-trips code, prose, Unicode, emoji and CRLF, and merges common words', () => {
  withFixture((dir) => {
    const { tokenizer } = load(dir);
    const samples = [
      'The function returns the number.',
      'function add(a: number, b: number) {\n  return a + b;\n}\n',
      'naïve café 日本語 😀👍🏽',
      'line one\r\nline two\r\n',
      '<think>\nLet me think.</think>\n\nThe answer is 42.',
    ];
    for (const text of samples) {
      const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
      assert.equal(tokenizer.decode(ids), text);
      assert.ok(ids.every((id) => id >= 0 && id < FIXTURE_VOCAB_SIZE));
    }
    const prose = 'The function returns the number.';
    assert.ok(tokenizer.encode(prose, { add_special_tokens: false }).ids.length < prose.length / 2, 'merges compress text');
    assert.deepEqual(tokenizer.encode('<think>', { add_special_tokens: false }).ids, [FIXTURE_SPECIAL_TOKENS.thinkStart]);
    assert.equal(tokenizer.encode('hi').ids[0], FIXTURE_SPECIAL_TOKENS.bos, 'bos added like R1');
  });
});

test('fixture files are deterministic', () => {
  withFixture((a) => {
    withFixture((b) => {
      for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
        assert.equal(readFileSync(join(a, name), 'utf8'), readFileSync(join(b, name), 'utf8'));
      }
    });
  });
});

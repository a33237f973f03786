import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_SPECIAL_TOKENS } from '../../engine/fixtures/tokenizerFixture';
import { useFixtureTokenizer } from '../helpers/fixtureTokenizer';
import { type TextTokenizer } from '../../engine/text/tokenizer';
import { StreamingDecoder, type TokenByteSource } from '../../engine/text/streamingDecoder';

let tokenizer: TextTokenizer;

useFixtureTokenizer((t) => (tokenizer = t));

/** True when `s` has a lone surrogate (half a UTF-16 pair). */
function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

test('token by token, every piece is whole characters and the pieces add up to the text', () => {
  const text = 'emoji 😀👍🏽👨‍👩‍👧 日本語 café\r\nfunction f() { return "✓"; }';
  const ids = tokenizer.encode(text);
  const decoder = new StreamingDecoder(tokenizer);
  const pieces = ids.map((id) => decoder.push(id));
  pieces.push(decoder.flush());
  for (const piece of pieces) {
    assert.ok(!piece.includes('\uFFFD'), `no replacement character in ${JSON.stringify(piece)}`);
    assert.ok(!hasLoneSurrogate(piece));
  }
  assert.equal(pieces.join(''), text);
  assert.ok(pieces.some((p) => p === ''), 'some token ended mid-character and was held back');
});

test('an emoji spelled as four single-byte tokens appears only with its last byte', () => {
  const byteSource: TokenByteSource = { tokenBytes: (id) => Uint8Array.of(id), isSpecial: () => false };
  const decoder = new StreamingDecoder(byteSource);
  const bytes = [...Buffer.from('a😀', 'utf8')];
  const out = bytes.map((b) => decoder.push(b));
  assert.deepEqual(out, ['a', '', '', '', '😀']);
  assert.equal(decoder.flush(), '');
});

test('invalid bytes become U+FFFD; an unfinished character at the end is flushed as U+FFFD', () => {
  const byteSource: TokenByteSource = { tokenBytes: (id) => Uint8Array.of(id), isSpecial: () => false };
  const decoder = new StreamingDecoder(byteSource);
  assert.equal(decoder.push(0xff), '\uFFFD');
  assert.equal(decoder.push(0xf0), '');
  assert.equal(decoder.push(0x9f), '');
  assert.equal(decoder.flush(), '\uFFFD');
  assert.equal(decoder.push(0x41), 'A', 'usable again after flush');
});

test('special tokens give no text by default; think tags do', () => {
  const decoder = new StreamingDecoder(tokenizer);
  assert.equal(decoder.push(FIXTURE_SPECIAL_TOKENS.eos), '');
  assert.equal(decoder.push(FIXTURE_SPECIAL_TOKENS.thinkEnd), '</think>');
  const keep = new StreamingDecoder(tokenizer, { skipSpecialTokens: false });
  assert.equal(keep.push(FIXTURE_SPECIAL_TOKENS.eos), '<｜end▁of▁sentence｜>');
  assert.equal(keep.pushAll(tokenizer.encode('ab😀')), 'ab😀');
});

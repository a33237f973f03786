// A model that emits lone UTF-8 continuation bytes, from token to screen: the generation's text
// pipeline turns them into U+FFFD, the suggestion stops before them, and the chat turn says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTurnEvent } from '../../engine/common/chat/conversation';
import { BYTE_TO_CHAR } from '../../engine/text/byteLevelAlphabet';
import type { TextTokenizer } from '../../engine/text/tokenizer';
import { TextPipeline } from '../../engine/generation/textPipeline';
import { postprocess } from '../../extension/core/completion/postprocess';
import { useFixtureTokenizer } from '../helpers/fixtureTokenizer';
import { conversation, streamingTurn } from './webviewFixtures';

let tokenizer: TextTokenizer;
useFixtureTokenizer((t) => (tokenizer = t));

/** What the model emits: `text`, then byte 0x80 (a continuation byte with no lead) `lone` times. */
function emitted(text: string, lone: number): string {
  const byte80 = tokenizer.tokenId(BYTE_TO_CHAR[0x80]!);
  assert.ok(byte80 !== undefined, 'the byte-level vocabulary has a token per byte');
  const pipeline = new TextPipeline(tokenizer, undefined, undefined);
  for (const id of [...tokenizer.encode(text), ...Array<number>(lone).fill(byte80)]) pipeline.push(id);
  pipeline.finish();
  return pipeline
    .take()
    .map((e) => (e.type === 'delta' ? e.text : ''))
    .join('');
}

test('lone continuation bytes arrive as U+FFFD, and the suggestion stops before them', () => {
  const text = emitted('total + 1', 64);
  assert.equal(text, `total + 1${'\uFFFD'.repeat(64)}`);
  const window = { linePrefix: 'return ', lineSuffix: '', suffix: '', previousLine: '' };
  assert.equal(postprocess({ text, window, multiline: true, complete: true }), 'total + 1');
  assert.equal(postprocess({ text: emitted('', 64), window, multiline: true, complete: true }), undefined, 'only undecodable output: no suggestion');
});

test('in the chat the characters are kept in the turn, for the view to mark', () => {
  const text = emitted('answer', 3);
  const started = applyTurnEvent(conversation('c1'), { v: 1, type: 'turnStarted', turn: streamingTurn() });
  const after = applyTurnEvent(started, { v: 1, type: 'delta', turnId: 't1', channel: 'answer', text, tokens: 4, at: 1 });
  assert.equal(after.turns[0]!.answer, 'answer\uFFFD\uFFFD\uFFFD', 'nothing is silently dropped (webviewRender.test.ts shows how they are marked)');
});

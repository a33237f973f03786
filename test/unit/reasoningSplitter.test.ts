import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_SPECIAL_TOKENS } from '../../engine/fixtures/tokenizerFixture';
import { useFixtureTokenizer } from '../helpers/fixtureTokenizer';
import { type TextTokenizer } from '../../engine/text/tokenizer';
import { StreamingDecoder } from '../../engine/text/streamingDecoder';
import { ReasoningSplitter, type ChannelText, type ReasoningSplitterOptions } from '../../engine/generation/reasoningSplitter';

let tokenizer: TextTokenizer;

useFixtureTokenizer((t) => (tokenizer = t));

interface Split {
  reasoning: string;
  answer: string;
  unterminated: boolean;
}

function collect(parts: ChannelText[], into: Split): void {
  for (const p of parts) into[p.channel] += p.text;
}

/** Text pieces only (no ids): exercises the text-level fallback. */
function splitText(pieces: string[], options: ReasoningSplitterOptions = {}): Split {
  const splitter = new ReasoningSplitter(options);
  const out: Split = { reasoning: '', answer: '', unterminated: false };
  for (const piece of pieces) collect(splitter.push(piece), out);
  collect(splitter.finish(), out);
  out.unterminated = splitter.reasoningUnterminated;
  return out;
}

/** Real token ids through the streaming decoder, as the generator does. */
function splitTokens(text: string, options: { startInReasoning?: boolean } = {}): Split {
  const splitter = ReasoningSplitter.forTokenizer(tokenizer, options);
  const decoder = new StreamingDecoder(tokenizer);
  const out: Split = { reasoning: '', answer: '', unterminated: false };
  for (const id of tokenizer.encode(text)) collect(splitter.push(decoder.push(id), id), out);
  collect(splitter.push(decoder.flush()), out);
  collect(splitter.finish(), out);
  out.unterminated = splitter.reasoningUnterminated;
  return out;
}

test('R1 output (prompt already opened <think>): reasoning, then answer after the first </think>', () => {
  const text = 'Let me add them.\n</think>\n\nThe sum is 4.';
  for (const result of [splitTokens(text), splitText([...text])]) {
    assert.deepEqual(result, { reasoning: 'Let me add them.\n', answer: 'The sum is 4.', unterminated: false });
  }
});

test('tags split across pieces (text level)', () => {
  const r = splitText(['think', 'ing</', 'thi', 'nk>', '\n\nans', 'wer']);
  assert.deepEqual(r, { reasoning: 'thinking', answer: 'answer', unterminated: false });
  const partialNotTag = splitText(['a </th', 'ought> b</think>c']);
  assert.equal(partialNotTag.reasoning, 'a </thought> b');
  assert.equal(partialNotTag.answer, 'c');
});

test('missing </think> before the end: everything is reasoning, marked unterminated', () => {
  for (const r of [splitTokens('still thinking about it'), splitText(['still thinking ', 'about it </thi'])]) {
    assert.equal(r.answer, '');
    assert.equal(r.unterminated, true);
    assert.ok(r.reasoning.startsWith('still thinking'));
  }
  assert.equal(splitText(['x </thi']).reasoning, 'x </thi', 'a held partial tag is released at the end');
});

test('</think> inside a code block of the answer is answer text: only the first one closes', () => {
  const text = 'plan\n</think>\n\n```html\n<think>x</think>\n```\nDone.';
  for (const r of [splitTokens(text), splitText([...text])]) {
    assert.equal(r.reasoning, 'plan\n');
    assert.equal(r.answer, '```html\n<think>x</think>\n```\nDone.');
    assert.equal(r.unterminated, false);
  }
});

test('a model that emits <think> itself (startInReasoning: false)', () => {
  const text = '\n<think>\nhmm\n</think>\n\nok';
  for (const r of [splitTokens(text, { startInReasoning: false }), splitText([...text], { startInReasoning: false })]) {
    assert.deepEqual(r, { reasoning: 'hmm\n', answer: 'ok', unterminated: false });
  }
  const noThink = 'Hello <think> is not a tag here';
  for (const r of [splitTokens(noThink, { startInReasoning: false }), splitText(['Hel', 'lo <think> is not a tag here'], { startInReasoning: false })]) {
    assert.deepEqual(r, { reasoning: '', answer: noThink, unterminated: false });
  }
  assert.deepEqual(splitText(['<thi', 'nk>deep'], { startInReasoning: false }), { reasoning: 'deep', answer: '', unterminated: true });
  assert.deepEqual(splitText(['<th'], { startInReasoning: false }), { reasoning: '', answer: '<th', unterminated: false });
});

test('token level: the </think> id closes even without text, and a literal "</think>" spelled in bytes does not', () => {
  const splitter = ReasoningSplitter.forTokenizer(tokenizer);
  assert.equal(splitter.inReasoning, true);
  const literal = splitter.push('a </think> b', 65);
  assert.deepEqual(literal, [{ channel: 'reasoning', text: 'a </think> b' }]);
  assert.deepEqual(splitter.push('', FIXTURE_SPECIAL_TOKENS.thinkEnd), []);
  assert.equal(splitter.inReasoning, false);
  assert.equal(splitter.answering, true);
  assert.deepEqual(splitter.push('\n\nfinal', 66), [{ channel: 'answer', text: 'final' }]);
  assert.deepEqual(splitter.finish(), []);
  assert.equal(splitter.reasoningUnterminated, false);
  assert.throws(() => splitter.push('x'), /after finish/);
});

test('a repeated opening <think> at the very start of the trace is dropped', () => {
  assert.deepEqual(splitTokens('<think>\nidea</think>answer'), { reasoning: 'idea', answer: 'answer', unterminated: false });
});

test('leading whitespace is kept when trimming is off', () => {
  assert.deepEqual(splitText(['\nr', '</think>\n\na'], { trimLeadingWhitespace: false }), { reasoning: '\nr', answer: '\n\na', unterminated: false });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHARS_PER_TOKEN } from '../../engine/common/text/tokenEstimate';
import { buildPromptWindow } from '../../extension/core/completion/promptWindow';
import { stringSource, type TextSource } from '../../extension/core/completion/textSource';

const budget = { prefixTokens: 100, suffixTokens: 20 };
const prefixChars = 100 * CHARS_PER_TOKEN;

function codeLines(count: number): string {
  return Array.from({ length: count }, (_, i) => `  const value${i} = compute(${i}, "text");`).join('\n') + '\n';
}

function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** A text source that counts the characters it hands out. */
function countingSource(text: string): TextSource & { read: number } {
  const source = {
    read: 0,
    length: text.length,
    slice(start: number, end: number): string {
      const part = text.slice(start, end);
      source.read += part.length;
      return part;
    },
  };
  return source;
}

test('a short document is taken whole and split at the cursor', () => {
  const text = 'function add(a, b) {\n  return a + b;\n}\n';
  const offset = text.indexOf('return') + 'return'.length;
  const w = buildPromptWindow(stringSource(text), offset, budget);
  assert.equal(w.prefixStart, 0);
  assert.equal(w.prefix, text.slice(0, offset));
  assert.equal(w.suffix, text.slice(offset));
  assert.equal(w.linePrefix, '  return');
  assert.equal(w.lineSuffix, ' a + b;');
  assert.equal(w.previousLine, 'function add(a, b) {');
});

test('the prefix starts at a line boundary and stays within the character budget', () => {
  const text = codeLines(200);
  for (const offset of [prefixChars + 1, 3000, 5017, text.length - 3]) {
    const w = buildPromptWindow(stringSource(text), offset, budget);
    assert.equal(text[w.prefixStart - 1], '\n', `offset ${offset}: prefix must start after a line break`);
    assert.ok(w.prefix.length <= prefixChars, `offset ${offset}: prefix ${w.prefix.length} > ${prefixChars}`);
    assert.ok(w.prefix.length >= prefixChars * 0.75 - 45, `offset ${offset}: prefix ${w.prefix.length} unexpectedly short`);
    assert.ok(w.suffix.length <= 20 * CHARS_PER_TOKEN);
    if (offset + 20 * CHARS_PER_TOKEN < text.length) {
      assert.ok(!w.suffix.endsWith('\n') && text.slice(offset + w.suffix.length).startsWith('\n'), 'suffix ends at a line end');
    } else {
      assert.equal(w.suffix, text.slice(offset), 'near the end the suffix is the rest of the document');
    }
  }
});

test('consecutive keystrokes share the prompt start; it moves in coarse steps only', () => {
  let text = codeLines(100);
  const cursorStart = text.length - 1;
  const starts = new Set<number>();
  let previous = buildPromptWindow(stringSource(text), cursorStart, budget);
  let sharedWithPrevious = 0;
  const typed = 'x'.repeat(300);
  for (let i = 0; i < typed.length; i++) {
    const offset = cursorStart + i;
    text = text.slice(0, offset) + typed[i] + text.slice(offset);
    const w = buildPromptWindow(stringSource(text), offset + 1, budget);
    starts.add(w.prefixStart);
    if (w.prefixStart === previous.prefixStart) {
      sharedWithPrevious++;
      assert.ok(w.prefix.startsWith(previous.prefix), 'same start: the new prompt extends the old one');
    }
    previous = w;
  }
  // 300 characters typed with a step of a quarter budget (75 chars): at most ~5 moves.
  assert.ok(starts.size <= 300 / (prefixChars / 4) + 2, `prompt start moved ${starts.size} times`);
  assert.ok(sharedWithPrevious >= 290, `only ${sharedWithPrevious} of 300 keystrokes kept the start`);
});

test('cuts never split a surrogate pair, with or without line breaks', () => {
  const emoji = '😀🐍𝄞'.repeat(400); // no line breaks: the raw cut is kept
  for (let offset = 0; offset <= 120; offset += 2) {
    const at = emoji.length - offset;
    const w = buildPromptWindow(stringSource(emoji), at - (at % 2), { prefixTokens: 33, suffixTokens: 7 });
    assert.ok(!hasLoneSurrogate(w.prefix), `lone surrogate in prefix at ${offset}`);
    assert.ok(!hasLoneSurrogate(w.suffix), `lone surrogate in suffix at ${offset}`);
  }
  for (let start = 0; start < 600; start += 2) {
    const w = buildPromptWindow(stringSource(emoji), start, { prefixTokens: 11, suffixTokens: 5 });
    assert.ok(!hasLoneSurrogate(w.prefix) && !hasLoneSurrogate(w.suffix), `lone surrogate at cursor ${start}`);
  }
});

test('a zero suffix budget still knows the rest of the cursor line', () => {
  const text = 'call(arg1, arg2)\nnext();\n';
  const w = buildPromptWindow(stringSource(text), 5, { prefixTokens: 10, suffixTokens: 0 });
  assert.equal(w.suffix, '');
  assert.equal(w.lineSuffix, 'arg1, arg2)');
});

test('CRLF line ends are not part of the line suffix or previous line', () => {
  const text = 'first line\r\n\r\nsecond = 1\r\n';
  const w = buildPromptWindow(stringSource(text), text.indexOf('= 1'), budget);
  assert.equal(w.lineSuffix, '= 1');
  assert.equal(w.previousLine, 'first line');
});

test('a cursor outside the document is a clear error', () => {
  assert.throws(() => buildPromptWindow(stringSource('abc'), 4, budget), RangeError);
  assert.throws(() => buildPromptWindow(stringSource('abc'), -1, budget), RangeError);
  assert.throws(() => buildPromptWindow(stringSource('abc'), 1.5, budget), RangeError);
});

test('1 MB file: window at start, middle and end reads only the window and is built in under 20 ms', () => {
  const line = '    let total = items.reduce((sum, item) => sum + item.price * item.count, 0);\n';
  const text = line.repeat(Math.ceil(1_000_000 / line.length)).slice(0, 1_000_000);
  const defaults = { prefixTokens: 1024, suffixTokens: 256 };
  const windowChars = (1024 + 256) * CHARS_PER_TOKEN;
  for (const offset of [0, 500_000, 1_000_000]) {
    const source = countingSource(text);
    const w = buildPromptWindow(source, offset, defaults);
    assert.ok(source.read <= windowChars * 2 + 512, `offset ${offset}: read ${source.read} characters for a ${windowChars}-character window`);
    assert.equal(w.offset, offset);
    const samples: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t0 = performance.now();
      buildPromptWindow(stringSource(text), offset, defaults);
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    assert.ok(median < 20, `offset ${offset}: median ${median.toFixed(2)} ms`);
  }
});

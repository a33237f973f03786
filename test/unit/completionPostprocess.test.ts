import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockEndIndex } from '../../extension/core/completion/blockEnd';
import { postprocess, type PostprocessInput } from '../../extension/core/completion/postprocess';

const window = { linePrefix: '    ', lineSuffix: '', suffix: '', previousLine: 'def f(x):' };
const input = (text: string, over: Partial<PostprocessInput> = {}): PostprocessInput => ({
  text,
  window,
  multiline: true,
  complete: true,
  ...over,
});

test('text repeating the line suffix after the cursor is dropped', () => {
  const w = { linePrefix: 'print(area(', lineSuffix: '))', suffix: '))\nnext()', previousLine: '' };
  assert.equal(postprocess(input('2))', { window: w, multiline: false })), '2');
  assert.equal(postprocess(input('2)', { window: w, multiline: false })), '2');
  assert.equal(postprocess(input('))', { window: w, multiline: false })), undefined, 'nothing left but the suffix');
});

test('a multi-line suggestion stops where it would rewrite the code after the cursor', () => {
  const w = { ...window, suffix: '\n    return y\n' };
  assert.equal(postprocess(input('y = x * 2\n    return y\n', { window: w })), 'y = x * 2');
  const braces = { linePrefix: '  ', lineSuffix: '', suffix: '\n}\n', previousLine: 'function f() {' };
  assert.equal(postprocess(input('return 1;\n}\n', { window: braces })), 'return 1;', 'the closing brace is already there');
});

test('a multi-line suggestion cut by a limit keeps whole lines only', () => {
  assert.equal(postprocess(input('y = x * 2\n    z = y +', { complete: false })), 'y = x * 2');
  assert.equal(postprocess(input('y = x * 2\n    z = y + 1', { complete: true })), 'y = x * 2\n    z = y + 1');
  assert.equal(postprocess(input('y = x *', { complete: false })), 'y = x *', 'a single partial line is shown');
});

test('a suggestion repeating the previous line is dropped', () => {
  const w = { linePrefix: '', lineSuffix: '', suffix: '', previousLine: '  total += price;' };
  assert.equal(postprocess(input('  total += price;', { window: w })), undefined);
  assert.equal(postprocess(input('  total += tax;', { window: w })), '  total += tax;');
});

test('blank suggestions are dropped and trailing whitespace trimmed', () => {
  assert.equal(postprocess(input('   \n\n')), undefined);
  assert.equal(postprocess(input('return x  \n\n')), 'return x');
});

test('single-line suggestions end at the first line break', () => {
  const w = { linePrefix: 'x = (', lineSuffix: ')', suffix: ')\n', previousLine: '' };
  assert.equal(postprocess(input('a + b)\ny = 2', { window: w, multiline: false })), 'a + b');
});

test('the block ends at a line indented less than the cursor line', () => {
  const text = 'y = x * 2\n    return y\ndef g():\n    pass';
  assert.equal(blockEndIndex(text, '    '), text.indexOf('\ndef g'));
  assert.equal(postprocess(input(text)), 'y = x * 2\n    return y');
  assert.equal(blockEndIndex('y = 1\n    z', '    '), -1, 'still inside');
  assert.equal(blockEndIndex('y = 1', '    '), -1, 'one line cannot end a block');
});

test('a line opening a block ends with its closing line', () => {
  const text = ' {\n  return a + b;\n}\n\nfunction next() {';
  const end = blockEndIndex(text, 'function add(a, b)');
  assert.equal(text.slice(0, end), ' {\n  return a + b;\n}');
  assert.equal(blockEndIndex(' {\n  return a;\n}', 'function f()'), -1, 'the closing line is not complete yet');
  assert.equal(blockEndIndex(' {\n  return a;\n}', 'function f()', true), ' {\n  return a;\n}'.length);
  const inner = 'sum += x;\n  return sum;\n}\nfunction next() {';
  assert.equal(inner.slice(0, blockEndIndex(inner, '  ')), 'sum += x;\n  return sum;\n}', 'the enclosing block closes with the suggestion');
  const py = ':\n    return 1\nprint(f())';
  assert.equal(py.slice(0, blockEndIndex(py, 'def f()')), ':\n    return 1', 'off-side rule: back at the base ends it');
});

test('a suggestion never contains U+FFFD: it is cut at the first undecodable character', () => {
  // What a model emitting lone UTF-8 continuation bytes produces after decoding.
  assert.equal(postprocess(input('x + 1\uFFFD\uFFFD\uFFFD')), 'x + 1');
  assert.equal(postprocess(input('y = 2\n    z = \uFFFDw\n')), 'y = 2\n    z =');
  assert.equal(postprocess(input('\uFFFD'.repeat(64))), undefined, 'nothing decodable: no suggestion at all');
});

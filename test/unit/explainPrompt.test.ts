// "Explain selection": the prompt (file, language, surrounding lines, truncation note), the
// enclosing-function pick from document symbols, and the indentation-block fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildExplainPrompt, type ExplainSource } from '../../engine/common/explain/explainPrompt';
import { CHARS_PER_TOKEN } from '../../engine/common/text/tokenEstimate';
import { enclosingIndentationBlock } from '../../extension/core/chat/indentationBlock';
import { functionAtLine, type SymbolNode } from '../../extension/core/chat/symbolAtCursor';

const TS = [
  "import { x } from './x';", //            0
  '',                                //     1
  'export class Greeter {',          //     2
  '  greet(name: string): string {', //     3
  '    const greeting = `hi ${name}`;', //  4
  '    return greeting;',            //     5
  '  }',                             //     6
  '',                                //     7
  '  wave(): void {',                //     8
  '    console.log("~");',           //     9
  '  }',                             //    10
  '}',                               //    11
];

function source(overrides: Partial<ExplainSource> = {}): ExplainSource {
  return { fileName: 'src/greeter.ts', languageId: 'typescript', lines: TS, start: 3, end: 6, ...overrides };
}

test('the prompt names the file, language and lines, and includes a few lines of context each side', () => {
  const { prompt, truncated } = buildExplainPrompt(source({ symbolName: 'greet' }), 1500, 2);
  assert.equal(truncated, false);
  assert.match(prompt, /^Explain the function `greet` from `src\/greeter\.ts` \(typescript, lines 4–7\)\./);
  assert.ok(prompt.includes('```typescript\n  greet(name: string): string {\n    const greeting = `hi ${name}`;\n    return greeting;\n  }\n```'));
  assert.ok(prompt.includes('Lines just before it, for context:\n```typescript\n\nexport class Greeter {\n```'));
  assert.ok(prompt.includes('Lines just after it, for context:\n```typescript\n\n  wave(): void {\n```'));
  assert.ok(!prompt.includes('truncated'));
});

test('a partial-line selection sends the exact selected text', () => {
  const { prompt } = buildExplainPrompt(source({ start: 4, end: 4, selectedText: '`hi ${name}`' }));
  assert.ok(prompt.includes('The code:\n```typescript\n`hi ${name}`\n```'));
});

test('code longer than the token budget is cut at a line, with a visible truncated note', () => {
  const lines = Array.from({ length: 400 }, (_, i) => `line_${i} = compute(${i}) + other_value_${i}`);
  const budgetTokens = 200;
  const { prompt, truncated } = buildExplainPrompt({ fileName: 'big.py', languageId: 'python', lines, start: 0, end: 399 }, budgetTokens);
  assert.equal(truncated, true);
  const code = prompt.split('The code:\n```python\n')[1].split('\n```')[0];
  assert.ok(code.length <= budgetTokens * CHARS_PER_TOKEN);
  const shown = code.split('\n').length;
  assert.ok(shown > 10 && shown < 400);
  assert.ok(prompt.includes(`(truncated: the code was cut to fit the model's context; only lines 1–${shown} of 1–400 are shown.)`));
  assert.ok(!prompt.includes('for context'), 'no context lines when the code itself does not fit');
});

test('one enormous line is cut inside the line', () => {
  const { prompt, truncated } = buildExplainPrompt({ fileName: 'min.js', languageId: 'javascript', lines: ['x'.repeat(100_000)], start: 0, end: 0 }, 100);
  assert.equal(truncated, true);
  assert.ok(prompt.length < 1000);
});

test('code containing a fence gets a longer fence, so it cannot close the block early', () => {
  const lines = ['text = """', '```js', 'evil()', '```', '"""'];
  const { prompt } = buildExplainPrompt({ fileName: 'doc.py', languageId: 'python', lines, start: 0, end: 4 });
  assert.ok(prompt.includes('````python\ntext = """\n```js\nevil()\n```\n"""\n````'));
});

test('the innermost function-like symbol around the cursor is chosen', () => {
  const symbols: SymbolNode[] = [
    {
      name: 'Greeter', kind: 4, range: { start: 2, end: 11 },
      children: [
        { name: 'greet', kind: 5, range: { start: 3, end: 6 }, children: [{ name: 'greeting', kind: 12, range: { start: 4, end: 4 } }] },
        { name: 'wave', kind: 5, range: { start: 8, end: 10 } },
      ],
    },
    { name: 'helper', kind: 11, range: { start: 13, end: 20 }, children: [{ name: 'inner', kind: 11, range: { start: 15, end: 17 } }] },
  ];
  assert.equal(functionAtLine(symbols, 4)?.name, 'greet');
  assert.equal(functionAtLine(symbols, 9)?.name, 'wave');
  assert.equal(functionAtLine(symbols, 16)?.name, 'inner');
  assert.equal(functionAtLine(symbols, 14)?.name, 'helper');
  assert.equal(functionAtLine(symbols, 7), undefined, 'inside a class but in no method');
  assert.equal(functionAtLine([], 3), undefined);
});

test('indentation fallback: the block under the nearest header, with its closing line', () => {
  assert.deepEqual(enclosingIndentationBlock(TS, 5), { start: 3, end: 6 }, 'inside a method body');
  assert.deepEqual(enclosingIndentationBlock(TS, 3), { start: 3, end: 6 }, 'on the header itself');
  assert.deepEqual(enclosingIndentationBlock(TS, 2), { start: 2, end: 11 }, 'on the class header');
  assert.deepEqual(enclosingIndentationBlock(TS, 7), { start: 3, end: 6 }, 'a blank line belongs to the code above');
  assert.deepEqual(enclosingIndentationBlock(TS, 10), { start: 8, end: 10 }, 'a closing brace belongs to its block');
  assert.deepEqual(enclosingIndentationBlock(TS, 11), { start: 2, end: 11 });
});

test('indentation fallback: Python blocks without closers, top-level paragraphs, empty files', () => {
  const py = ['import os', '', 'def main():', '    for f in os.listdir():', '        print(f)', '    return 0', '', 'main()'];
  assert.deepEqual(enclosingIndentationBlock(py, 4), { start: 3, end: 4 });
  assert.deepEqual(enclosingIndentationBlock(py, 5), { start: 2, end: 5 });
  assert.deepEqual(enclosingIndentationBlock(py, 7), { start: 7, end: 7 });
  assert.deepEqual(enclosingIndentationBlock(['a = 1', 'b = 2', '', 'c = 3'], 1), { start: 0, end: 1 });
  assert.equal(enclosingIndentationBlock([], 0), undefined);
  assert.equal(enclosingIndentationBlock(['', '  '], 1), undefined);
});

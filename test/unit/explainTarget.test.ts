// `r1-local explain FILE[:START-END]` names code the way an editor selection does, and gets the
// same prompt as Explain Selection for the same lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildExplainPrompt, type ExplainSource } from '../../engine/common/explain/explainPrompt';
import { explainSourceFor, languageIdFor, parseExplainTarget } from '../../engine/common/explain/explainTarget';

test('FILE, FILE:N and FILE:START-END; a Windows drive colon stays in the path', () => {
  assert.deepEqual(parseExplainTarget('src/a.ts'), { path: 'src/a.ts' });
  assert.deepEqual(parseExplainTarget('src/a.ts:7'), { path: 'src/a.ts', lines: { start: 7, end: 7 } });
  assert.deepEqual(parseExplainTarget('src/a.ts:3-9'), { path: 'src/a.ts', lines: { start: 3, end: 9 } });
  assert.deepEqual(parseExplainTarget('C:\\code\\a.py:2-4'), { path: 'C:\\code\\a.py', lines: { start: 2, end: 4 } });
  assert.deepEqual(parseExplainTarget('C:\\code\\a.py'), { path: 'C:\\code\\a.py' });
  assert.throws(() => parseExplainTarget('a.ts:9-3'), /START-END/);
  assert.throws(() => parseExplainTarget('a.ts:0-3'), /START-END/);
});

test('the language comes from the file extension', () => {
  assert.equal(languageIdFor('x/y.py'), 'python');
  assert.equal(languageIdFor('main.rs'), 'rust');
  assert.equal(languageIdFor('build.zig'), 'zig');
  assert.equal(languageIdFor('Makefile'), 'plaintext');
});

test('lines 2-3 of a file give the prompt the editor builds for a selection of the same lines', () => {
  const text = 'import os\ndef area(r):\n    return 3.14 * r * r\n\nprint(area(2))\n';
  const fromCli = buildExplainPrompt(explainSourceFor(parseExplainTarget('geo.py:2-3'), 'geo.py', text));
  // What explainCommand.ts builds for a whole-line selection of lines 2–3 (0-based 1–2).
  const lines = ['import os', 'def area(r):', '    return 3.14 * r * r', '', 'print(area(2))'];
  const fromEditor: ExplainSource = { fileName: 'geo.py', languageId: 'python', lines, start: 1, end: 2 };
  assert.equal(fromCli.prompt, buildExplainPrompt(fromEditor).prompt);
  assert.match(fromCli.prompt, /lines 2–3/);
});

test('no range explains the whole file; a range past the end is clamped to it', () => {
  const whole = explainSourceFor({ path: 'a.js' }, 'a.js', 'a();\nb();\n');
  assert.deepEqual([whole.start, whole.end, whole.lines.length], [0, 1, 2]);
  const past = explainSourceFor({ path: 'a.js', lines: { start: 2, end: 40 } }, 'a.js', 'a();\nb();\n');
  assert.deepEqual([past.start, past.end], [1, 1]);
});

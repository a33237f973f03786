// A generated model whose output is not valid UTF-8 (lone continuation bytes), run through the real
// engine: the stream carries U+FFFD for the bytes (the chat marks them, webviewRender.test.ts), and
// the completion post-processing cuts the suggestion before the first one, so Tab never inserts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../engine/engine';
import { writeFixtureModel } from '../../engine/fixtures';
import { BYTE_TO_CHAR } from '../../engine/text/byteLevelAlphabet';
import { postprocess } from '../../extension/core/completion/postprocess';

test('a model emitting lone continuation bytes: U+FFFD in the stream, none in the suggestion', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-undecodable-'));
  try {
    // First a plain model to learn the ids, then one that emits text followed by byte 0x80 eight times.
    const plain = await writeFixtureModel({ kind: 'scripted', style: 'optimum', out: dir, script: 'x' });
    const engine0 = await Engine.load({ modelPath: plain.dir, threads: 1, executionProvider: 'cpu' });
    const textIds = engine0.tokenizer.encode('total + 1');
    const byte80 = engine0.tokenizer.tokenId(BYTE_TO_CHAR[0x80]!);
    await engine0.dispose();
    assert.ok(byte80 !== undefined);
    const model = await writeFixtureModel({ kind: 'scripted', style: 'optimum', out: dir, scriptTokenIds: [...textIds, ...Array<number>(8).fill(byte80)] });
    const engine = await Engine.load({ modelPath: model.dir, threads: 1, executionProvider: 'cpu' });
    try {
      let text = '';
      for await (const e of engine.generate({ kind: 'completion', prompt: { type: 'text', text: 'return ' }, maxNewTokens: 40, sampling: { greedy: true }, splitReasoning: false })) {
        if (e.type === 'delta') text += e.text;
      }
      assert.equal(text, `total + 1${'\uFFFD'.repeat(8)}`);
      const window = { linePrefix: 'return ', lineSuffix: '', suffix: '', previousLine: '' };
      assert.equal(postprocess({ text, window, multiline: false, complete: true }), 'total + 1');
    } finally {
      await engine.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The `infill` prompt (the two sides of a cursor) through the real engine on a generated model:
// built from the model's own fill-in-the-middle tokens, and accepted by the host's request check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureModel } from '../helpers/fixtureModels';
import { Engine } from '../../engine/engine';
import { decodeHostRequest } from '../../engine/host/decodeRequest';

let engine: Engine;

before(async () => {
  const fixture = await fixtureModel('scripted', 'optimum');
  engine = await Engine.load({ modelPath: fixture.dir, executionProvider: 'cpu', threads: 1 });
});
after(async () => {
  await engine.dispose();
});

test('an infill prompt becomes prefix marker, prefix, suffix marker, suffix, middle marker', () => {
  const fim = engine.info.fimTokens;
  assert.ok(fim, 'the generated tokenizer declares the FIM tokens');
  const ids = engine.encodePrompt({ type: 'infill', prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))' });
  const expected = engine.encodePrompt({ type: 'text', text: `${fim.prefix}def add(a, b):\n    ${fim.suffix}\n\nprint(add(1, 2))${fim.middle}` });
  assert.deepEqual(ids, expected);
  assert.ok(ids.length > 3);
});

test('an infill prompt with neither side is refused as empty only when there is no FIM marker to send', () => {
  assert.ok(engine.encodePrompt({ type: 'infill', prefix: '', suffix: '' }).length >= 3, 'the three markers alone are a prompt');
});

test('the host accepts an infill request and names the missing side of a malformed one', () => {
  const ok = decodeHostRequest({ type: 'generate', id: 1, request: { kind: 'completion', prompt: { type: 'infill', prefix: 'a', suffix: 'b' }, maxNewTokens: 4 } });
  assert.equal(ok.ok, true);
  const bad = decodeHostRequest({ type: 'generate', id: 2, request: { kind: 'completion', prompt: { type: 'infill', prefix: 'a' }, maxNewTokens: 4 } });
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.message, /prompt\.suffix/);
});

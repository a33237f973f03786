// `r1-local fixture ...` argument handling (the CLI wires runFixtureCommand to the subcommand).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFixtureManifest, runFixtureCommand } from '../../engine/fixtures';

const root = mkdtempSync(join(tmpdir(), 'r1-fixture-cmd-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('fixture --kind scripted --script FILE --style genai writes a complete genai folder', async () => {
  const scriptFile = join(root, 'script.txt');
  writeFileSync(scriptFile, 'Hello from the script.\n');
  const out = join(root, 'scripted');
  const model = await runFixtureCommand(['--kind', 'scripted', '--out', out, '--style', 'genai', '--script', scriptFile]);
  assert.equal(model.style, 'genai');
  assert.equal(model.script?.text, 'Hello from the script.\n');
  assert.ok(existsSync(join(out, 'genai_config.json')));
  assert.deepEqual(readFixtureManifest(out)?.script, model.script);
});

test('fixture defaults: optimum style, 4-bit tiny model', async () => {
  const out = join(root, 'tiny');
  const model = await runFixtureCommand(['--kind', 'tiny', '--out', out, '--seed', '7']);
  assert.equal(model.onnxFile, 'onnx/model_q4.onnx');
  assert.equal(model.seed, 7);
  assert.ok(existsSync(join(out, 'config.json')));
});

test('fixture command rejects bad arguments with a clear message', async () => {
  await assert.rejects(runFixtureCommand(['--kind', 'tiny']), /--kind and --out are required/);
  await assert.rejects(runFixtureCommand(['--kind', 'tiny', '--out', root, '--bogus']), /bogus/);
  await assert.rejects(runFixtureCommand(['--kind', 'tiny', '--out', root, '--seed', 'abc']), /--seed/);
  await assert.rejects(runFixtureCommand(['--kind', 'scripted', '--out', root, '--script', join(root, 'missing.txt')]), /cannot read --script/);
  await assert.rejects(runFixtureCommand(['--kind', 'tiny', '--out', root, '--style', 'gguf']), /unknown style/);
});

// `r1-local bench --json` on the tiny model: the built CLI in a child process prints exactly one
// object with every figure bench:compare reads. No timing assertions: only that each figure is a
// measured, finite, positive number and the decode rows follow --contexts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fixtureModel } from '../helpers/fixtureModels';

const CLI = resolve('dist/cli.js');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

test('bench --json prints one object with every figure, decode rows per --contexts', async () => {
  assert.ok(existsSync(CLI), 'dist/cli.js is built');
  const tiny = await fixtureModel('tiny', 'optimum', 'q4');
  const r = await cli(['bench', '--model', tiny.dir, '--prompt-tokens', '48', '--new-tokens', '6', '--contexts', '40,96', '--threads', '1', '--runs', '2', '--prompt-lookup', '12', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'exactly one line on stdout');
  const out = JSON.parse(lines[0]) as Record<string, unknown>;
  for (const key of ['loadMs', 'prefillTokPerS', 'ttftMs', 'warmCompletionMs', 'peakRssMB']) {
    const v = out[key];
    assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, `${key} = ${String(v)}`);
  }
  assert.equal(out.ep, 'cpu');
  assert.equal(typeof out.noisy, 'boolean');
  const decode = out.decode as { context: number; tokPerS: number }[];
  assert.deepEqual(decode.map((d) => d.context), [40, 96]);
  for (const d of decode) assert.ok(Number.isFinite(d.tokPerS) && d.tokPerS > 0, `decode at ${d.context}: ${d.tokPerS}`);
  const lookup = out.promptLookup as { plainTokPerS: number; lookupTokPerS: number; tokens: number; acceptedTokens: number; identical: boolean };
  assert.equal(lookup.tokens, 7);
  assert.ok(lookup.plainTokPerS > 0 && lookup.lookupTokPerS > 0);
  assert.ok(lookup.acceptedTokens >= 0 && lookup.acceptedTokens <= lookup.tokens);
  assert.equal(lookup.identical, true, 'prompt lookup changes nothing on the tiny model');
});

test('bench refuses contexts beyond the model and bad arguments with a clear message', async () => {
  const tiny = await fixtureModel('tiny', 'genai');
  const tooLong = await cli(['bench', '--model', tiny.dir, '--contexts', '1000000', '--json']);
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /context holds/);
  const bad = await cli(['bench', '--model', tiny.dir, '--contexts', '12,x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--contexts must be/);
});

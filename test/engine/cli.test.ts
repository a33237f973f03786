// The r1-local command line, run as users run it: the built dist/cli.js in a child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixtureModel } from '../helpers/fixtureModels';
import type { FixtureModel } from '../../engine/fixtures';

const CLI = resolve('dist/cli.js');
let tiny: FixtureModel;
let scripted: FixtureModel;
let scratch: string;

before(async () => {
  assert.ok(existsSync(CLI), 'dist/cli.js is built (scripts/test.mjs builds first)');
  tiny = await fixtureModel('tiny', 'optimum', 'q4');
  scripted = await fixtureModel('scripted', 'optimum');
  scratch = mkdtempSync(join(tmpdir(), 'r1-cli-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

test('generate --prompt-ids --greedy --json prints exactly one JSON object with the contract', async () => {
  const r = await cli(['generate', '--model', tiny.dir, '--prompt-ids', '1,2,3', '--greedy', '--json', '--max-new-tokens', '12', '--ep', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const out = JSON.parse(lines[0]);
  for (const key of ['tokenIds', 'text', 'reasoning', 'answer', 'promptTokens', 'ep', 'timings']) assert.ok(key in out, `missing ${key}`);
  assert.equal(out.tokenIds.length, 12);
  assert.ok(out.tokenIds.every((id: unknown) => Number.isInteger(id)));
  assert.equal(out.promptTokens, 3);
  assert.equal(out.ep, 'cpu');
  assert.equal(out.reasoning, '');
  assert.equal(typeof out.text, 'string');
  for (const key of ['ttftMs', 'prefillTokPerS', 'decodeTokPerS', 'totalMs', 'loadMs']) assert.equal(typeof out.timings[key], 'number', key);

  // Greedy is deterministic across processes.
  const again = await cli(['generate', '--model', tiny.dir, '--prompt-ids', '1,2,3', '--greedy', '--json', '--max-new-tokens', '12', '--ep', 'cpu']);
  assert.deepEqual(JSON.parse(again.stdout).tokenIds, out.tokenIds);
});

test('generate --chat on the scripted model splits reasoning and answer', async () => {
  const r = await cli(['generate', '--model', scripted.dir, '--prompt', 'Write add.', '--chat', '--greedy', '--json', '--max-new-tokens', '500', '--ep', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const script = scripted.script!.text;
  assert.equal(out.reasoning.trim(), script.slice(0, script.indexOf('</think>')).trim());
  assert.ok(out.answer.startsWith('Here is the function:'));
  assert.equal(out.finishReason, 'eos');
});

test('chat streams reasoning then answer as plain text without a terminal', async () => {
  const r = await cli(['chat', '--model', scripted.dir, '--greedy', '--ep', 'cpu', 'Write add.']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('Okay, the user wants'));
  assert.ok(r.stdout.indexOf('Here is the function:') > r.stdout.indexOf('Okay, the user wants'));
  assert.ok(!r.stdout.includes('\x1b['), 'no ANSI codes when NO_COLOR is set / not a TTY');
});

test('chat stops cleanly on SIGINT (Ctrl-C) with exit code 130', async () => {
  // A long script so that the interrupt lands mid-generation.
  const long = await fixtureModel('scripted', 'genai', 'fp32', { script: `${'thinking about it. '.repeat(400)}</think>\n\ndone` });
  const r = await cli(['chat', '--model', long.dir, '--greedy', '--ep', 'cpu', '--max-new-tokens', '5000', 'question'], {
    onStdout: (text, child) => {
      if (text.length > 40 && child.exitCode === null && !child.killed) child.kill('SIGINT');
    },
  });
  assert.equal(r.signal, null, 'exited by itself, not killed by the signal');
  assert.equal(r.code, 130);
  assert.match(r.stderr, /stopped/);
});

test('fixture writes a model folder that generate can load', async () => {
  const out = join(scratch, 'fixture-genai');
  const script = join(scratch, 'script.txt');
  writeFileSync(script, 'hello from a script');
  const made = await cli(['fixture', '--kind', 'scripted', '--style', 'genai', '--out', out, '--script', script]);
  assert.equal(made.code, 0, made.stderr);
  const r = await cli(['generate', '--model', out, '--prompt', 'hi', '--greedy', '--json', '--ep', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).text, 'hello from a script');
});

test('usage errors exit with code 2 and say what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [['generate', '--model', tiny.dir], /exactly one of --prompt or --prompt-ids/],
    [['generate', '--model', tiny.dir, '--prompt-ids', '1,,2'], /--prompt-ids must be comma-separated/],
    [['generate', '--model', tiny.dir, '--prompt', 'x', '--greedy', '--temperature', '0.5'], /--greedy cannot be combined/],
    [['generate', '--model', tiny.dir, '--prompt', 'x', '--ep', 'tpu'], /--ep must be one of/],
    [['generate', '--model', tiny.dir, '--prompt', 'x', '--max-new-tokens', '0'], /--max-new-tokens must be an integer >= 1/],
    [['generate', '--model', tiny.dir, '--prompt', 'x', '--bogus'], /Unknown option '--bogus'/],
    [['generate', '--prompt', 'x'], /--model is required/],
    [['chat', '--model', tiny.dir], /Give the question/],
    [['fixture', '--kind', 'huge', '--out', join(scratch, 'x')], /unknown kind/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('a bad model folder exits with code 1 and the loader message', async () => {
  const r = await cli(['generate', '--model', join(scratch, 'nothing-here'), '--prompt', 'x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Model folder not found: .*nothing-here \[not-found\]/);
});

test('--help lists the commands; generate --help shows its usage', async () => {
  const top = await cli(['--help']);
  assert.equal(top.code, 0);
  for (const name of ['generate', 'chat', 'fixture']) assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'));
  const gen = await cli(['generate', '--help']);
  assert.equal(gen.code, 0);
  assert.match(gen.stdout, /--prompt-ids 1,2,3/);
});

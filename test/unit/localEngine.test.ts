// The local engine backend with fake engine host processes and a fake clock: model switches,
// crash recovery, the watchdog, idle unload and typed host calls, proven without a process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadOptions } from '../../engine/types';
import { EngineError } from '../../extension/engine/engineError';
import { LocalEngine, type LocalEngineOptions } from '../../extension/engine/localEngine';
import { CompletionService } from '../../extension/core/completion/completionService';
import { DEFAULT_COMPLETION_SETTINGS } from '../../extension/core/completion/completionSettings';
import { silentLogger } from '../../extension/core/logger';
import { FakeHosts, fakeModelInfo } from '../helpers/fakeEngineHost';
import { queryAtEnd } from '../helpers/completionHarness';
import { FakeClock, settle } from './completionFakes';

function setup(options: Partial<LocalEngineOptions> = {}) {
  const hosts = new FakeHosts();
  hosts.models.set('/models/coder', fakeModelInfo('/models/coder', 'Qwen/Qwen2.5-Coder-0.5B'));
  hosts.models.set('/models/r1', fakeModelInfo('/models/r1', 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B'));
  const clock = new FakeClock();
  const settings: LoadOptions = { modelPath: '/models/coder' };
  const engine = new LocalEngine({ hostScript: 'unused', log: silentLogger, resolveLoadOptions: () => ({ ...settings }), spawn: hosts.spawn, clock, ...options });
  return { hosts, clock, settings, engine };
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

/** Read fresh each time: TypeScript would otherwise keep an earlier assertion's narrowing. */
const stateOf = (engine: LocalEngine) => engine.state;
const modelOf = (engine: LocalEngine) => engine.modelInfo;

const chat = { kind: 'chat', prompt: { type: 'text', text: 'hi' }, maxNewTokens: 5 } as const;

test('after a modelPath change the very next completion is built for the new model', async () => {
  const { hosts, clock, settings, engine } = setup();
  const service = new CompletionService({ backend: engine, clock, settings: () => DEFAULT_COMPLETION_SETTINGS });
  const complete = async (text: string, version: number) => {
    const answer = service.provide(queryAtEnd(text, version), new AbortController().signal);
    await clock.advance(DEFAULT_COMPLETION_SETTINGS.debounceMs);
    await answer;
  };

  await complete('const a = ', 1);
  assert.ok(hosts.prompts().at(-1)?.startsWith('<|fim_prefix|>'), 'the coder model gets a fill-in-the-middle prompt');
  assert.ok(engine.capabilities?.fim);

  // What services.ts does when the setting changes.
  settings.modelPath = '/models/r1';
  const unloading = engine.unload();
  assert.equal(engine.modelInfo, undefined, 'the old model is forgotten as soon as the unload starts');
  assert.equal(engine.capabilities, undefined);
  await unloading;
  service.clearCache();

  await complete('const b = ', 2);
  assert.equal(hosts.prompts().at(-1), 'const b = ', 'the R1 model continues the prefix, with no FIM markers');
  assert.equal(modelOf(engine)?.modelPath, '/models/r1');
  assert.equal(hosts.spawned.length, 2, 'a fresh host for the new model');
  service.dispose();
  await engine.dispose();
});

test('a crash fails the stream, restarts after the backoff delay with the model, and gives up after too many', async () => {
  const restartPolicy = { baseDelayMs: 100, factor: 2, maxDelayMs: 1000, maxCrashes: 2, windowMs: 60_000 };
  const { hosts, clock, engine } = setup({ restartPolicy });
  hosts.autoAnswer = false;
  await engine.load();
  const stream = drain(engine.generate(chat));
  await settle();
  hosts.last.crash();
  await assert.rejects(stream, (e: unknown) => e instanceof EngineError && e.code === 'host_crashed' && /exit code 1/.test(e.message));
  assert.deepEqual(engine.state, { kind: 'restarting', reason: 'the engine host exited unexpectedly (exit code 1)', delayMs: 100 });
  await clock.advance(99);
  assert.equal(hosts.spawned.length, 1, 'no restart before the delay');
  await clock.advance(1);
  await settle();
  assert.equal(hosts.spawned.length, 2);
  assert.equal(stateOf(engine).kind, 'ready', 'the model was loaded again without a request');

  hosts.last.crash();
  assert.equal(stateOf(engine).kind, 'unavailable');
  await assert.rejects(drain(engine.generate(chat)), (e: unknown) => e instanceof EngineError && e.code === 'host_unavailable');
  hosts.autoAnswer = true;
  await engine.retry();
  await drain(engine.generate(chat));
  assert.equal(hosts.spawned.length, 3);
  await engine.dispose();
});

test('the watchdog kills a host silent inside one step and fails its request with step_timeout', async () => {
  const { hosts, clock, engine } = setup({ stepTimeoutMs: 1000 });
  hosts.autoAnswer = false;
  await engine.load();
  // Caught now: the rejection happens inside clock.advance(), before an assertion could attach.
  const outcome = drain(engine.generate(chat)).catch((e: unknown) => e);
  await clock.advance(900);
  assert.ok(hosts.last.alive, 'not before the limit');
  hosts.last.emit({ type: 'alive', busy: true });
  await clock.advance(900);
  assert.ok(hosts.last.alive, 'an alive message resets the silence');
  await clock.advance(400);
  assert.equal(hosts.last.alive, false);
  const error = await outcome;
  assert.ok(error instanceof EngineError && error.code === 'step_timeout', String(error));
  await engine.dispose();
});

test('idle unload stops the host after the idle time; the next request starts a new one', async () => {
  const { hosts, clock, engine } = setup({ idleUnloadMs: () => 5_000 });
  await drain(engine.generate(chat));
  await clock.advance(4_999);
  assert.equal(engine.state.kind, 'ready');
  await clock.advance(1);
  await settle();
  assert.equal(stateOf(engine).kind, 'stopped');
  assert.equal(engine.modelInfo, undefined);
  await drain(engine.generate(chat));
  assert.equal(hosts.spawned.length, 2);
  await engine.dispose();
});

test('a load failure is the error state, and the host keeps running; host calls are typed', async () => {
  const { hosts, settings, engine } = setup();
  settings.modelPath = '/nonexistent';
  await assert.rejects(engine.load(), (e: unknown) => e instanceof EngineError && e.code === 'load_failed' && e.detail === 'not-found');
  assert.deepEqual(engine.state, { kind: 'error', reason: 'no model at /nonexistent' });
  const status = await engine.hostStatus();
  assert.equal(status?.pid, hosts.last.pid);
  assert.equal(status?.rssBytes, 2 ** 30);
  await engine.dispose();
  assert.equal(await engine.hostStatus(), undefined, 'no host, no status');
});

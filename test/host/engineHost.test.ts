// The real engine host process (dist/engineHost.js) driven through the extension's LocalEngine,
// from plain Node, with generated models: streaming, cancellation, crash recovery, the watchdog,
// giving up after repeated crashes, idle unload, and completions served in the middle of a chat.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fixtureModel } from '../helpers/fixtureModels';
import { EngineError } from '../../extension/engine/engineError';
import { DEFAULT_SCRIPT } from '../../engine/fixtures';
import { chat, clientFor, collect, completion, longScript, recordingLogger, waitFor } from './hostTestKit';

let scripted: string;
let long: string;
const LONG_LINES = 300;

before(async () => {
  scripted = (await fixtureModel('scripted', 'optimum')).dir;
  long = (await fixtureModel('scripted', 'optimum', 'fp32', { script: longScript(LONG_LINES) })).dir;
});

const clients: Array<{ dispose(): Promise<void> }> = [];
function track<T extends { dispose(): Promise<void> }>(c: T): T {
  clients.push(c);
  return c;
}
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

test('generate streams deltas from the host and ends with done; the host starts lazily', { timeout: 60_000 }, async () => {
  const client = track(clientFor(scripted));
  assert.equal(client.hostPid, undefined, 'nothing runs before the first request');
  const r = await collect(client.generate(chat('Write add()', 1000)));
  assert.ok(r.deltas > 1, `streamed in ${r.deltas} messages, not one`);
  assert.equal(r.done?.finishReason, 'eos');
  // The prompt ends inside <think>: the script's trace arrives as reasoning, the rest as the answer.
  assert.ok(r.text.startsWith(DEFAULT_SCRIPT.slice(0, 40)), r.text.slice(0, 60));
  assert.ok(r.text.endsWith(DEFAULT_SCRIPT.slice(-40)), r.text.slice(-60));
  assert.equal(r.done?.tokenIds.length, r.done?.stats.generatedTokens);
  assert.ok(client.hostPid, 'the host is running');
  assert.equal(client.modelInfo?.executionProvider, 'cpu');
  const status = await client.hostStatus();
  assert.ok(status && status.rssBytes > 10 * 2 ** 20, 'status reports the host RSS');
  assert.equal(status?.modelState, 'ready');
  await waitFor(() => client.state.kind === 'ready' && client.state.rssBytes !== undefined, 10_000, 'the RSS in the ready state');
});

test('cancelling mid-stream stops the request within one step and frees its state', { timeout: 60_000 }, async () => {
  const client = track(clientFor(long));
  const controller = new AbortController();
  let tokensAtCancel = 0;
  const r = await collect(client.generate(chat('count', 4000), controller.signal), (c) => {
    if (c.deltas === 20) {
      tokensAtCancel = c.tokens;
      controller.abort();
    }
  });
  assert.equal(r.done?.finishReason, 'aborted');
  const generated = r.done!.tokenIds.length;
  // The host acts on the cancel at the next step boundary (exactly one more step: proven in
  // test/unit/schedulerRunner.test.ts). This model makes a step in well under a millisecond and
  // deltas are coalesced for up to 16 ms, so the tokens in flight when the cancel arrived count too.
  assert.ok(generated < tokensAtCancel + 200, `stopped after ${generated} tokens (cancel at ~${tokensAtCancel}), not run to 4000`);
  console.log(`# cancel: sent after ${tokensAtCancel} tokens had arrived; the host generated ${generated} in all`);
  const status = await client.hostStatus();
  assert.equal(status?.active, 0);
  assert.equal(status?.queued, 0);
});

test('kill -9 of the host mid-request: the request is rejected, the host restarts, the next request works', { timeout: 60_000 }, async () => {
  const client = track(clientFor(long, { restartPolicy: { baseDelayMs: 100, factor: 2, maxDelayMs: 1000, maxCrashes: 5, windowMs: 60_000 } }));
  await client.load();
  const firstPid = client.hostPid!;
  let killedAt = 0;
  await assert.rejects(
    collect(client.generate(chat('count', 4000)), (c) => {
      if (c.deltas === 10) {
        killedAt = performance.now();
        process.kill(firstPid, 'SIGKILL');
      }
    }),
    (e: unknown) => e instanceof EngineError && e.code === 'host_crashed' && /SIGKILL/.test(e.message),
  );
  const rejectedMs = performance.now() - killedAt;
  await waitFor(() => client.state.kind === 'ready', 20_000, 'the automatic restart');
  const restartMs = performance.now() - killedAt;
  assert.notEqual(client.hostPid, firstPid);
  const r = await collect(client.generate(chat('again', 50)));
  assert.equal(r.done?.finishReason, 'length');
  console.log(`# kill -9: request rejected after ${rejectedMs.toFixed(0)} ms; host restarted with the model loaded ${restartMs.toFixed(0)} ms after the kill`);
});

test('after repeated crashes the client stops restarting, refuses requests, and retry() recovers', { timeout: 60_000 }, async () => {
  const client = track(clientFor(scripted, { restartPolicy: { baseDelayMs: 50, factor: 1, maxDelayMs: 50, maxCrashes: 2, windowMs: 60_000 } }));
  for (let i = 0; i < 2; i++) {
    await client.load();
    process.kill(client.hostPid!, 'SIGKILL');
    await waitFor(() => client.state.kind === 'restarting' || client.state.kind === 'unavailable', 10_000, 'the crash to be noticed');
  }
  assert.equal(client.state.kind, 'unavailable');
  await assert.rejects(collect(client.generate(chat('x', 10))), (e: unknown) => e instanceof EngineError && e.code === 'host_unavailable');
  await client.retry();
  const r = await collect(client.generate(chat('x', 1000)));
  assert.equal(r.done?.finishReason, 'eos');
});

test('the watchdog kills a host stuck in one step and rejects its request', { timeout: 60_000 }, async () => {
  const log = recordingLogger();
  const client = track(clientFor(long, { log, stepTimeoutMs: 1500 }));
  await client.load();
  const pid = client.hostPid!;
  const started = performance.now();
  await assert.rejects(
    collect(client.generate(chat('count', 4000)), (c) => {
      // A stopped process looks exactly like one stuck inside a native call.
      if (c.deltas === 5) process.kill(pid, 'SIGSTOP');
    }),
    (e: unknown) => e instanceof EngineError && e.code === 'step_timeout',
  );
  const ms = performance.now() - started;
  assert.ok(ms >= 1500 && ms < 10_000, `rejected after ${ms.toFixed(0)} ms`);
  assert.ok(log.lines.some((l) => /silent for more than 1500 ms/.test(l)), log.lines.join('\n'));
  const r = await collect(client.generate(chat('again', 50)));
  assert.equal(r.done?.finishReason, 'length');
  assert.notEqual(client.hostPid, pid);
});

test('idle unload stops the host after the idle time; the next request loads the model again', { timeout: 60_000 }, async () => {
  const client = track(clientFor(scripted, { idleUnloadMs: () => 300 }));
  await collect(client.generate(chat('x', 1000)));
  const pid = client.hostPid!;
  await waitFor(() => client.state.kind === 'stopped', 10_000, 'the idle unload');
  assert.equal(client.hostPid, undefined);
  assert.equal(client.modelInfo, undefined, 'the unloaded model is forgotten with its host');
  // The state says stopped once the host was asked to exit; it frees the model first.
  await waitFor(() => !processExists(pid), 5_000, 'the old host process to exit');
  const r = await collect(client.generate(chat('x', 1000)));
  assert.equal(r.done?.finishReason, 'eos');
  assert.notEqual(client.hostPid, pid);
});

test('a model folder that does not exist fails the request with load_failed, and the host keeps running', { timeout: 60_000 }, async () => {
  const client = track(clientFor('/nonexistent/model'));
  await assert.rejects(
    collect(client.generate(chat('x', 10))),
    (e: unknown) => e instanceof EngineError && e.code === 'load_failed' && e.detail === 'not-found' && e.message.includes('/nonexistent/model'),
  );
  assert.equal(client.state.kind, 'error');
  assert.ok(client.hostPid, 'a bad folder is not a crash');
});

// The host pauses the chat's generator between decode steps (it keeps its KV slot) and runs the
// completion's generator on its own slot, then resumes the chat.
test('a completion submitted during a long chat is served before the chat ends; the chat text is unchanged', { timeout: 120_000 }, async () => {
  const alone = track(clientFor(long));
  const reference = await collect(alone.generate(chat('count', 2500)));
  assert.equal(reference.done?.finishReason, 'length');
  await alone.dispose();

  const client = track(clientFor(long));
  let completionRun: Promise<Awaited<ReturnType<typeof collect>>> | undefined;
  const chatRun = collect(client.generate(chat('count', 2500)), (c) => {
    if (c.deltas === 30) completionRun = collect(client.generate(completion('function add(', 16)));
  });
  const chatResult = await chatRun;
  const completionResult = await completionRun!;
  assert.equal(completionResult.done?.finishReason, 'length');
  assert.ok(completionResult.doneAt! < chatResult.doneAt!, 'the completion finished while the chat was still running');
  assert.equal(chatResult.text, reference.text, 'the paused chat resumed exactly where it was');
  assert.equal(chatResult.done?.finishReason, 'length');
});

test('a request cancelled while the model is still loading returns at once; the load completes for the next one', { timeout: 60_000 }, async () => {
  const client = track(clientFor(scripted));
  const controller = new AbortController();
  const run = collect(client.generate(chat('x', 1000), controller.signal));
  controller.abort();
  const r = await run;
  assert.equal(r.deltas, 0);
  assert.equal(r.done, undefined);
  await waitFor(() => client.state.kind === 'ready', 20_000, 'the load to finish');
  const next = await collect(client.generate(chat('x', 1000)));
  assert.equal(next.done?.finishReason, 'eos');
});

test('a request made while the host is being stopped waits for a fresh host instead of failing', { timeout: 60_000 }, async () => {
  const client = track(clientFor(scripted));
  await client.load();
  const oldPid = client.hostPid;
  const stopping = client.unload();
  const r = await collect(client.generate(chat('x', 1000)));
  await stopping;
  assert.equal(r.done?.finishReason, 'eos');
  assert.ok(client.hostPid !== undefined && client.hostPid !== oldPid);
});

test('disposing the client while the host is starting leaves no process behind', { timeout: 60_000 }, async () => {
  const before = childProcesses();
  const client = clientFor(scripted);
  const run = collect(client.generate(chat('x', 10))).catch((e: unknown) => e);
  await client.dispose();
  const outcome = await run;
  assert.ok(outcome instanceof EngineError, `the request fails: ${String(outcome)}`);
  await waitFor(() => childProcesses().every((pid) => before.includes(pid)), 5_000, 'the starting host to be gone');
  assert.equal(client.hostPid, undefined);
});

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Child processes of this test process (other than the `ps` that lists them). */
function childProcesses(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, comm]) => pid && comm !== 'ps')
    .map(([pid]) => Number(pid));
}

test('a malformed request is refused with bad_request naming the field, and the host carries on', { timeout: 60_000 }, async () => {
  const client = track(clientFor(scripted));
  await assert.rejects(
    collect(client.generate({ ...chat('x', 10), maxNewTokens: 0 })),
    (e: unknown) => e instanceof EngineError && e.code === 'bad_request' && /request\.maxNewTokens/.test(e.message),
  );
  const r = await collect(client.generate(chat('x', 1000)));
  assert.equal(r.done?.finishReason, 'eos');
});

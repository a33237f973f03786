// The reason the engine lives in a child process: while it generates, the extension's event loop
// stays free. A 10 ms timer in this (extension-side) process must never run more than 50 ms late
// during ~20 s of continuous generation streamed over IPC.
//
// The development machines are shared and often oversubscribed, and then any process's timer runs
// late because the OS did not schedule it, not because its event loop was busy. So an idle control
// process runs the same timer at the same time: when the control itself saw more than 50 ms, the
// bound becomes the control's worst lag plus 50 ms. A blocked event loop on our side still fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fixtureModel } from '../helpers/fixtureModels';
import { chat, clientFor, collect, longScript } from './hostTestKit';

const DURATION_MS = 20_000;
const TICK_MS = 10;
const MAX_LAG_MS = 50;

const LAG_PROBE = `
let max = 0, expected = performance.now() + ${TICK_MS};
setInterval(() => { const now = performance.now(); max = Math.max(max, now - expected); expected = now + ${TICK_MS}; }, ${TICK_MS});
process.stdin.on('data', () => {}).on('end', () => { process.stdout.write(String(max)); process.exit(0); });
`;

/** An idle process measuring its own timer lag until `stop()`. */
function startControl(): { stop(): Promise<number> } {
  const child = spawn(process.execPath, ['-e', LAG_PROBE], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      return Number(out);
    },
  };
}

test('the extension-side event loop never lags more than 50 ms beyond an idle process while the host generates for 20 s', { timeout: 90_000 }, async () => {
  const model = await fixtureModel('scripted', 'optimum', 'fp32', { script: longScript(300) });
  const client = clientFor(model.dir);
  try {
    await client.load();
    const control = startControl();
    let maxLag = 0;
    const lags: number[] = [];
    let expected = performance.now() + TICK_MS;
    const timer = setInterval(() => {
      const now = performance.now();
      const lag = now - expected;
      lags.push(lag);
      maxLag = Math.max(maxLag, lag);
      expected = now + TICK_MS;
    }, TICK_MS);
    const started = performance.now();
    let tokens = 0;
    let requests = 0;
    try {
      while (performance.now() - started < DURATION_MS) {
        const r = await collect(client.generate(chat(`count ${requests}`, 2500)));
        tokens += r.tokens;
        requests++;
      }
    } finally {
      clearInterval(timer);
    }
    const controlMax = await control.stop();
    const seconds = (performance.now() - started) / 1000;
    const p99 = [...lags].sort((a, b) => a - b)[Math.floor(lags.length * 0.99)];
    console.log(
      `# event loop: max lag ${maxLag.toFixed(1)} ms (p99 ${p99.toFixed(1)} ms) over ${seconds.toFixed(1)} s; idle control process max ${controlMax.toFixed(1)} ms; ` +
        `host streamed ${tokens} tokens in ${requests} requests (${(tokens / seconds).toFixed(0)} tok/s)`,
    );
    assert.ok(tokens > 1000, 'the host was generating the whole time');
    assert.ok(Number.isFinite(controlMax), 'the control process reported');
    // What an idle process on this machine saw is the machine's noise, not ours: the bound is 50 ms
    // beyond it (a step at 50 ms made a control of 39 ms allow 50 and one of 51 allow 101).
    const bound = controlMax + MAX_LAG_MS;
    assert.ok(maxLag <= bound, `max event-loop lag ${maxLag.toFixed(1)} ms > ${bound.toFixed(1)} ms (control ${controlMax.toFixed(1)} ms)`);
  } finally {
    await client.dispose();
  }
});

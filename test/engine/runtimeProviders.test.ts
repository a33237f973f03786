// Execution-provider planning per platform and bundled providers, and the default thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planProviders } from '../../engine/runtime/providers';
import { defaultThreadCount, physicalCoresFromCpuinfo } from '../../engine/runtime/threads';
import { bundledBackends } from '../../engine/runtime/session';

const linuxBundle = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: false },
  { name: 'tensorrt', bundled: false },
];

test('auto on Linux tries cuda only when installed, then webgpu, then cpu', () => {
  const plan = planProviders('auto', 'linux', linuxBundle);
  assert.deepEqual(plan.attempts, ['webgpu', 'cpu']);
  assert.deepEqual(plan.skipped.map((s) => s.provider), ['cuda']);
  assert.match(plan.skipped[0].reason, /not installed/);
  const withCuda = planProviders('auto', 'linux', linuxBundle.map((b) => ({ ...b, bundled: b.name !== 'tensorrt' })));
  assert.deepEqual(withCuda.attempts, ['cuda', 'webgpu', 'cpu']);
});

test('auto on Windows prefers DirectML, on macOS CoreML', () => {
  const win = planProviders('auto', 'win32', [{ name: 'cpu', bundled: true }, { name: 'dml', bundled: true }, { name: 'webgpu', bundled: true }]);
  assert.deepEqual(win.attempts, ['dml', 'cpu']);
  const mac = planProviders('auto', 'darwin', [{ name: 'cpu', bundled: true }, { name: 'coreml', bundled: true }]);
  assert.deepEqual(mac.attempts, ['coreml', 'cpu']);
  assert.deepEqual(planProviders('auto', 'linux', [{ name: 'cpu', bundled: true }]).attempts, ['cpu']);
});

test('an explicit provider is tried, then cpu; an unknown one is skipped with a reason', () => {
  assert.deepEqual(planProviders('webgpu', 'linux', linuxBundle).attempts, ['webgpu', 'cpu']);
  const dml = planProviders('dml', 'linux', linuxBundle);
  assert.deepEqual(dml.attempts, ['cpu']);
  assert.match(dml.skipped[0].reason, /dml is not available in onnxruntime-node on linux/);
  assert.deepEqual(planProviders('cpu', 'linux', linuxBundle), { attempts: ['cpu'], skipped: [] });
});

test('this onnxruntime-node build lists cpu', () => {
  assert.ok(bundledBackends().some((b) => b.name === 'cpu' && b.bundled));
});

test('physical cores from /proc/cpuinfo count (physical id, core id) pairs, not hyper-threads', () => {
  const block = (p: number, c: number) => `processor\t: x\nphysical id\t: ${p}\ncore id\t\t: ${c}\n\n`;
  // 2 sockets × 2 cores × 2 threads.
  const info = [0, 1].flatMap((p) => [0, 1, 0, 1].map((c) => block(p, c))).join('');
  assert.equal(physicalCoresFromCpuinfo(info), 4);
  assert.equal(physicalCoresFromCpuinfo('processor\t: 0\n'), undefined);
});

test('default threads: at least 1, never more than the CPUs available', async () => {
  const n = defaultThreadCount();
  const { availableParallelism } = await import('node:os');
  assert.ok(Number.isInteger(n) && n >= 1 && n <= availableParallelism());
});

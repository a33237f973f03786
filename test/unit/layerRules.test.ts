// The lint configuration is what keeps each runtime in its lane; prove each rule fires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

test('engine/ may not import vscode', async () => {
  assert.ok((await ruleIds('engine/generation/x.ts', "import * as vscode from 'vscode';\nvoid vscode;\n")).includes('no-restricted-imports'));
});

test('engine/ may not touch the DOM', async () => {
  assert.ok((await ruleIds('engine/generation/x.ts', 'export const t = document.title;\n')).includes('no-restricted-globals'));
});

test('only engine/runtime/ may import onnxruntime-node', async () => {
  const code = "import * as ort from 'onnxruntime-node';\nvoid ort;\n";
  assert.ok((await ruleIds('engine/generation/x.ts', code)).includes('no-restricted-imports'));
  assert.ok((await ruleIds('extension/x.ts', code)).includes('no-restricted-imports'));
  assert.ok((await ruleIds('webview/x.ts', code)).includes('no-restricted-imports'));
  assert.deepEqual(await ruleIds('engine/runtime/x.ts', code), []);
});

test('webview/ may import neither vscode nor Node built-ins', async () => {
  assert.ok((await ruleIds('webview/x.ts', "import * as vscode from 'vscode';\nvoid vscode;\n")).includes('no-restricted-imports'));
  assert.ok((await ruleIds('webview/x.ts', "import { readFileSync } from 'node:fs';\nvoid readFileSync;\n")).includes('no-restricted-imports'));
  assert.ok((await ruleIds('webview/x.ts', "import { join } from 'path';\nvoid join;\n")).includes('no-restricted-imports'));
});

test('extension/ reaches the engine host only through its protocol', async () => {
  assert.ok((await ruleIds('extension/x.ts', "import { x } from '../engine/host/scheduler';\nvoid x;\n")).includes('no-restricted-imports'));
  assert.deepEqual(await ruleIds('extension/x.ts', "import type { HostRequest } from '../engine/host/protocol';\nexport type R = HostRequest;\n"), []);
});

test('protocol files are type-only', async () => {
  assert.ok((await ruleIds('webview/protocol.ts', 'export const version = 1;\n')).includes('no-restricted-syntax'));
  assert.ok((await ruleIds('webview/protocol.ts', 'export function f(): void {}\n')).includes('no-restricted-syntax'));
  assert.deepEqual(await ruleIds('webview/protocol.ts', "export type Msg = { type: 'ready'; version: 1 };\n"), []);
});

// The lint configuration is what keeps each runtime in its lane; prove each rule fires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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

const importsVscode = "import * as vscode from 'vscode';\nexport const w = vscode.window;\n";

test('the editor-free core may not import vscode: a real file in extension/core/ fails lint', async () => {
  // A file on disk, linted as the project lints it, so the rule is proven for the folder itself.
  const dir = mkdtempSync(join('extension', 'core', 'lint-probe-'));
  const file = join(dir, 'usesEditor.ts');
  try {
    writeFileSync(file, importsVscode);
    const [result] = await eslint.lintFiles([file]);
    const fired = result.messages.filter((m) => m.ruleId === 'no-restricted-imports');
    assert.equal(fired.length, 1, JSON.stringify(result.messages));
    assert.match(fired[0].message, /editor-free core must run without VS Code/);
    assert.equal(basename(result.filePath), 'usesEditor.ts');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('extension/engine/ is editor-free too; the adapters beside the core may use vscode', async () => {
  assert.ok((await ruleIds('extension/engine/x.ts', importsVscode)).includes('no-restricted-imports'));
  assert.deepEqual(await ruleIds('extension/chat/x.ts', importsVscode), []);
  assert.deepEqual(await ruleIds('extension/services.ts', importsVscode), []);
});

test('engine/common/ may import neither vscode, Node built-ins, nor the layers that use it', async () => {
  assert.ok((await ruleIds('engine/common/chat/x.ts', importsVscode)).includes('no-restricted-imports'));
  assert.ok((await ruleIds('engine/common/chat/x.ts', "import { readFileSync } from 'node:fs';\nvoid readFileSync;\n")).includes('no-restricted-imports'));
  assert.ok((await ruleIds('engine/common/chat/x.ts', "import { x } from '../../../extension/core/x';\nvoid x;\n")).includes('no-restricted-imports'));
  assert.ok((await ruleIds('engine/common/chat/x.ts', "import { x } from '../../runtime/kvCache';\nvoid x;\n")).includes('no-restricted-imports'));
  assert.deepEqual(await ruleIds('engine/common/chat/x.ts', "import { x } from '../text/codeLines';\nvoid x;\n"), []);
  assert.ok((await ruleIds('engine/common/chat/x.ts', 'export const t = document.title;\n')).includes('no-restricted-globals'));
});

test('the extension and the webview share code only through engine/common/', async () => {
  assert.ok((await ruleIds('extension/core/chat/x.ts', "import { x } from '../../../webview/state';\nvoid x;\n")).includes('no-restricted-imports'));
  assert.ok((await ruleIds('webview/x.ts', "import { x } from '../extension/core/chat/x';\nvoid x;\n")).includes('no-restricted-imports'));
  assert.deepEqual(await ruleIds('webview/x.ts', "import { applyTurnEvent } from '../engine/common/chat/conversation';\nvoid applyTurnEvent;\n"), []);
});

test('extension/ reaches the engine host only through its protocol', async () => {
  assert.ok((await ruleIds('extension/x.ts', "import { x } from '../engine/host/scheduler';\nvoid x;\n")).includes('no-restricted-imports'));
  assert.deepEqual(await ruleIds('extension/x.ts', "import type { HostRequest } from '../engine/host/protocol';\nexport type R = HostRequest;\n"), []);
});

test('protocol files are type-only', async () => {
  assert.ok((await ruleIds('engine/common/chat/protocol.ts', 'export const version = 1;\n')).includes('no-restricted-syntax'));
  assert.ok((await ruleIds('engine/common/chat/protocol.ts', 'export function f(): void {}\n')).includes('no-restricted-syntax'));
  assert.deepEqual(await ruleIds('engine/common/chat/protocol.ts', "export type Msg = { type: 'ready'; version: 1 };\n"), []);
});

// Launcher B: the mocha integration suite (test/integration/) inside code-server's real extension
// host, once in a trusted workspace and once in Restricted Mode. Each run gets a fresh server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { writeFixtureModel } from '../../engine/fixtures/index.ts';
import { buildIntegration } from '../../scripts/e2e/buildIntegration.ts';
import { repoRoot } from '../../scripts/e2e/layout.ts';
import { e2eUnavailableReason } from '../helpers/codeServer.ts';
import { createE2eWorkspace } from '../helpers/e2eWorkspace.ts';
import { runIntegrationSuite } from '../helpers/integrationRunner.ts';

const LONG_ANSWER_SCRIPT = ['A short thought.', '</think>', '', ...Array.from({ length: 300 }, (_, i) => `line ${i}: the answer goes on.`)].join('\n');

async function runSuite(name: string, runner: string, workspaceTrust: boolean): Promise<void> {
  assert.equal(e2eUnavailableReason(), undefined);
  const testsDir = await buildIntegration();
  const workspace = await createE2eWorkspace(name, { files: { 'sample.ts': 'export function add(a: number, b: number): number {\n' } });
  try {
    const previousModel = process.env.R1_LOCAL_TEST_MODEL;
    // code-server passes its environment on to the extension host, where the suite reads this.
    process.env.R1_LOCAL_TEST_MODEL = workspace.modelPath;
    // A model whose answer is long enough to be cancelled mid-way (the vscode.lm suite).
    const longModel = join(dirname(workspace.modelPath), 'long-answer-model');
    await writeFixtureModel({ kind: 'scripted', style: 'optimum', quant: 'fp32', out: longModel, script: LONG_ANSWER_SCRIPT });
    process.env.R1_LOCAL_TEST_LONG_MODEL = longModel;
    const run = await runIntegrationSuite({
      name,
      extensionPath: repoRoot,
      testsPath: join(testsDir, runner),
      folder: workspace.folder,
      workspaceTrust,
      settings: { 'r1Local.modelPath': workspace.modelPath },
    }).finally(() => {
      if (previousModel === undefined) delete process.env.R1_LOCAL_TEST_MODEL;
      else process.env.R1_LOCAL_TEST_MODEL = previousModel;
    });
    const report = run.output.join('\n');
    // Mocha's summary and the vscode.lm transcript, without the workbench's own log lines.
    const mochaLines = report
      .split('\n')
      .map((line) => line.replace(/^(INFO|ERR) /, ''))
      .filter((line) => /^\s+(✔|\d+\) |\d+ (passing|failing|pending))/.test(line) || line.includes('lm transcript:'));
    console.log(mochaLines.join('\n'));
    assert.equal(run.exitCode, 0, `integration suite "${name}" failed (exit ${run.exitCode}).\nscreenshot: ${run.screenshot}\ncode-server log: ${run.logFile}\n${report}`);
  } finally {
    workspace.dispose();
  }
}

test('integration suite passes in a trusted workspace (code-server extension host)', { timeout: 300_000 }, async () => {
  await runSuite('integration-trusted', 'index.js', false);
});

test('integration suite passes in Restricted Mode (code-server extension host)', { timeout: 300_000 }, async () => {
  await runSuite('integration-restricted', join('restricted', 'index.js'), true);
});

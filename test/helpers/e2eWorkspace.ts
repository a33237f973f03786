// Per-test folders for the browser tests: a workspace to open and a generated scripted model,
// both under the ignored .cache/e2e/ and removed afterwards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFixtureModel } from '../../engine/fixtures/index.ts';
import { cacheDir } from '../../scripts/e2e/layout.ts';

export interface E2eWorkspace {
  /** The folder opened in the workbench. */
  folder: string;
  /** The scripted model folder (for `r1Local.modelPath`). */
  modelPath: string;
  dispose(): void;
}

/** `files` maps relative paths to contents written into the workspace folder. */
export async function createE2eWorkspace(name: string, options: { script?: string; files?: Record<string, string> } = {}): Promise<E2eWorkspace> {
  mkdirSync(join(cacheDir, 'workspaces'), { recursive: true });
  const root = mkdtempSync(join(cacheDir, 'workspaces', `${name}-`));
  const folder = join(root, 'workspace');
  const modelPath = join(root, 'model');
  for (const [relative, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(folder, relative)), { recursive: true });
    writeFileSync(join(folder, relative), text);
  }
  mkdirSync(folder, { recursive: true });
  await writeFixtureModel({ kind: 'scripted', style: 'optimum', quant: 'fp32', out: modelPath, script: options.script });
  return { folder, modelPath, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

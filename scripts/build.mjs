// Bundles every runtime entry point with esbuild. Type checking is separate (`npm run typecheck`).
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};
// Node bundles: vscode is provided by the editor, onnxruntime-node is a native package shipped as-is.
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'] };

const entries = [
  { ...node, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['engine/host/main.ts'], outfile: 'dist/engineHost.js' },
  // The shared engine (one per user, for every window): its own bundle, so its build hash changes
  // only when the daemon or the engine changes, and a window never has to fork it with IPC.
  { ...node, entryPoints: ['engine/daemon/main.ts'], outfile: 'dist/engineDaemon.js' },
  { ...node, entryPoints: ['engine/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
];

mkdirSync('dist', { recursive: true });
// Entry points appear as the project grows; build the ones that exist.
await Promise.all(entries.filter((e) => existsSync(e.entryPoints[0])).map((e) => build(e)));

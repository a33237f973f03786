// `npm run package`: one platform-specific .vsix per target with @vscode/vsce (which first runs the
// `vscode:prepublish` script: the production esbuild bundles).
// Each .vsix carries only its own platform's onnxruntime-node binaries (the npm package holds all of
// them, ~290 MB): the target's binary folder is added to .vscodeignore's whitelist for that run only.
// Usage: node scripts/package.mjs [--target linux-x64 ...] [--out folder]   (default: every target, ./)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
/** vsce target → onnxruntime-node's binary folder (napi-v6/<platform>/<arch>). darwin-x64 has none since ORT 1.24. */
const ortBinaries = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
  'darwin-arm64': 'darwin/arm64',
};

function parseArgs(argv) {
  const targets = [];
  let out = root;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target') targets.push(argv[++i]);
    else if (argv[i] === '--out') out = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (usage: --target <${Object.keys(ortBinaries).join('|')}> --out <folder>)`);
  }
  for (const target of targets) {
    if (!(target in ortBinaries)) throw new Error(`unsupported target "${target}"; supported: ${Object.keys(ortBinaries).join(', ')}`);
  }
  return { targets: targets.length > 0 ? targets : Object.keys(ortBinaries), out };
}

function run(args, label) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${label} failed (exit ${result.status ?? result.signal})`);
}

export function packageTargets(targets, out) {
  const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const ignoreDir = join(root, '.cache', 'package');
  mkdirSync(ignoreDir, { recursive: true });
  mkdirSync(out, { recursive: true });
  const baseIgnore = readFileSync(join(root, '.vscodeignore'), 'utf8');
  const files = [];
  for (const target of targets) {
    const ignoreFile = join(ignoreDir, `vscodeignore-${target}`);
    writeFileSync(ignoreFile, `${baseIgnore}\n!node_modules/onnxruntime-node/bin/napi-v6/${ortBinaries[target]}/**\n`);
    const file = join(out, `${name}-${target}-${version}.vsix`);
    run(
      [
        join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package',
        '--target', target,
        '--ignoreFile', ignoreFile,
        '--out', file,
        // The README's images are relative to this repository; there is no public URL to rewrite them to.
        '--no-rewrite-relative-links',
        '--allow-missing-repository',
      ],
      `vsce package --target ${target}`,
    );
    files.push(file);
  }
  return files;
}

if (resolve(process.argv[1] ?? '') === import.meta.filename) {
  try {
    const { targets, out } = parseArgs(process.argv.slice(2));
    for (const file of packageTargets(targets, out)) console.log(`package: ${file}`);
  } catch (error) {
    console.error(`package: ${error.message}`);
    process.exit(1);
  }
}

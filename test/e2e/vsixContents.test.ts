// The linux-x64 .vsix holds exactly what the extension needs at run time: the bundles, the manifest,
// docs and media, and onnxruntime-node's JavaScript with only the linux-x64 binaries. Anything else
// (sources, maps, tests, fixtures, other platforms' binaries, install-time helpers) fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import yauzl from 'yauzl';
import { packagedLinuxVsix } from '../helpers/testVsix.ts';

const allowed: RegExp[] = [
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/,
  /^extension\/LICENSE\.txt$/,
  /^extension\/media\/[\w./-]+\.(css|svg|png)$/,
  /^extension\/dist\/(extension|engineHost|engineDaemon|cli|webview)\.js$/,
  /^extension\/dist\/webview\.css$/,
  /^extension\/node_modules\/onnxruntime-node\/package\.json$/,
  /^extension\/node_modules\/onnxruntime-node\/dist\/[\w-]+\.js$/,
  /^extension\/node_modules\/onnxruntime-node\/bin\/napi-v6\/linux\/x64\/(onnxruntime_binding\.node|libonnxruntime\.so\.1)$/,
  /^extension\/node_modules\/onnxruntime-common\/package\.json$/,
  /^extension\/node_modules\/onnxruntime-common\/dist\/cjs\/(package\.json|[\w-]+\.js)$/,
];

const required = [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/dist/engineHost.js',
  'extension/dist/engineDaemon.js',
  'extension/dist/webview.js',
  'extension/node_modules/onnxruntime-node/dist/index.js',
  'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
  'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
  'extension/node_modules/onnxruntime-common/dist/cjs/index.js',
];

function listZip(file: string): Promise<{ names: string[]; manifest: string }> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError ?? new Error(`cannot open ${file}`));
      const names: string[] = [];
      let manifest = '';
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        if (entry.fileName !== 'extension.vsixmanifest') return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('cannot read the manifest'));
          stream.on('data', (chunk: Buffer) => (manifest += chunk.toString('utf8')));
          stream.on('end', () => zip.readEntry());
        });
      });
      zip.on('end', () => resolve({ names, manifest }));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

test('the linux-x64 .vsix contains only the expected files', { timeout: 240_000 }, async (t) => {
  const file = packagedLinuxVsix();
  const { names, manifest } = await listZip(file);
  const sizeMb = statSync(file).size / 1024 / 1024;
  t.diagnostic(`${file}: ${names.length} files, ${sizeMb.toFixed(2)} MB`);
  console.log(`vsix: ${file}: ${names.length} files, ${sizeMb.toFixed(2)} MB`);

  const unexpected = names.filter((name) => !allowed.some((pattern) => pattern.test(name)));
  assert.deepEqual(unexpected, [], 'files that must not ship');
  assert.deepEqual(required.filter((name) => !names.includes(name)), [], 'files the extension needs at run time');
  assert.match(manifest, /TargetPlatform="linux-x64"/);
  // One platform's onnxruntime is ~45 MB unpacked (~17 MB packed); several platforms would be far more.
  assert.ok(sizeMb < 40, `the .vsix is ${sizeMb.toFixed(1)} MB: more than one platform's binaries?`);
});

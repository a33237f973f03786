// The browser tests' "nothing leaves the machine" verdict rests on this classification of URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nonLocalHosts } from '../helpers/codeServer.ts';

test('loopback addresses and in-page schemes are local', () => {
  const local = [
    'http://127.0.0.1:41234/stable-abc/static/out/vs/workbench/workbench.web.main.js',
    'ws://127.0.0.1:41234/?reconnectionToken=x',
    'http://localhost:8080/healthz',
    'http://[::1]:9000/',
    'data:image/png;base64,AAAA',
    'blob:http://127.0.0.1:41234/5f0c',
    'about:blank',
  ];
  assert.deepEqual(nonLocalHosts(local), []);
});

test('any other host is reported once, by host and port', () => {
  const urls = [
    'https://open-vsx.org/vscode/gallery/extensionquery',
    'https://open-vsx.org/vscode/item?itemName=x',
    'https://huggingface.co/onnx-community/model/resolve/main/config.json',
    'http://10.0.0.5:8080/',
    'https://x.vscode-resource.vscode-cdn.net/file.css',
    'http://127.0.0.1.evil.example/',
  ];
  assert.deepEqual(nonLocalHosts(urls).sort(), [
    '10.0.0.5:8080',
    '127.0.0.1.evil.example',
    'huggingface.co',
    'open-vsx.org',
    'x.vscode-resource.vscode-cdn.net',
  ]);
});

test('a URL that does not parse is reported as it is', () => {
  assert.deepEqual(nonLocalHosts(['not a url']), ['not a url']);
});

// Static check of the chat webview's HTML: exactly one CSP meta with the intended rules, scripts
// only by nonce, a fresh nonce per render, nothing inline and nothing remote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { chatHtml } from '../../extension/core/chat/chatHtml';

const CSP_SOURCE = 'https://*.vscode-cdn.net';
const resources = {
  cspSource: CSP_SOURCE,
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/chat.css',
};

function parse(html: string) {
  // Parsing only: no scripts run, nothing is fetched.
  return new JSDOM(html).window.document;
}

function directives(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of policy.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [name, ...values] = part.split(/\s+/);
    assert.ok(!map.has(name), `directive ${name} appears twice`);
    map.set(name, values);
  }
  return map;
}

test('exactly one CSP meta, with default-src none, nonce-only scripts and no network', () => {
  const html = chatHtml(resources, 'TESTNONCE123');
  const doc = parse(html);
  const metas = doc.querySelectorAll('meta[http-equiv="Content-Security-Policy" i]');
  assert.equal(metas.length, 1);
  assert.ok(metas[0].parentElement === doc.head, 'the CSP meta is in <head>');
  const csp = directives(metas[0].getAttribute('content')!);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('script-src'), ["'nonce-TESTNONCE123'"]);
  assert.deepEqual(csp.get('style-src'), [CSP_SOURCE]);
  assert.deepEqual(csp.get('img-src'), [CSP_SOURCE, 'data:']);
  assert.deepEqual(csp.get('connect-src'), ["'none'"]);
  const all = [...csp.values()].flat();
  for (const forbidden of ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', "'strict-dynamic'"]) {
    assert.ok(!all.includes(forbidden), `CSP must not allow ${forbidden}`);
  }
});

test('the only script is ours, carries the nonce, and there is no inline script, style or handler', () => {
  const doc = parse(chatHtml(resources, 'N0NCE'));
  const scripts = Array.from(doc.querySelectorAll('script'));
  assert.equal(scripts.length, 1);
  assert.equal(scripts[0].getAttribute('nonce'), 'N0NCE');
  assert.equal(scripts[0].getAttribute('src'), resources.scriptUri);
  assert.equal(scripts[0].textContent, '');
  assert.equal(doc.querySelectorAll('style, [style]').length, 0);
  const links = Array.from(doc.querySelectorAll('link'));
  assert.deepEqual(links.map((l) => [l.getAttribute('rel'), l.getAttribute('href')]), [['stylesheet', resources.styleUri]]);
  for (const element of Array.from(doc.querySelectorAll('*'))) {
    for (const attr of Array.from(element.attributes)) assert.ok(!attr.name.startsWith('on'), `handler ${attr.name}`);
  }
  assert.ok(!/command:/i.test(doc.documentElement.outerHTML), 'no command URIs');
});

test('a fresh nonce for every render', () => {
  const nonces = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const doc = parse(chatHtml(resources));
    const nonce = doc.querySelector('script')!.getAttribute('nonce')!;
    assert.match(nonce, /^[A-Za-z0-9+/]{22,}={0,2}$/);
    const policy = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute('content')!;
    assert.ok(policy.includes(`'nonce-${nonce}'`), 'the policy names the script’s nonce');
    nonces.add(nonce);
  }
  assert.equal(nonces.size, 20);
});

test('resource URIs cannot break out of their attributes', () => {
  const doc = parse(chatHtml({ ...resources, scriptUri: 'https://x/"><script>alert(1)</script>' }, 'N'));
  assert.equal(doc.querySelectorAll('script').length, 1);
});

// Model output is hostile input. Every payload below is rendered as the answer (and the reasoning,
// and the user's message), whole and split across streamed chunks, in a jsdom that runs scripts:
// nothing may execute, no element may point at a remote resource, and links stay inert unless http(s).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostToWebview, WebviewToHost } from '../../engine/common/chat/protocol';
import type * as Markdown from '../../webview/markdown';
import { chatAppInDom } from './webviewTestDom';
import { T0, msg, snapshot, streamingTurn } from './webviewFixtures';

const startChatApp = chatAppInDom();
let markdownToSafeHtml: typeof Markdown.markdownToSafeHtml;

before(async () => {
  ({ markdownToSafeHtml } = await import('../../webview/markdown'));
});

const CANARY = 'window.__pwned=(window.__pwned||0)+1';

const PAYLOADS: Record<string, string> = {
  script: `<script>${CANARY}</script>`,
  imgOnerror: `<img src=x onerror="${CANARY}">`,
  svgOnload: `<svg onload="${CANARY}"><circle r=1 /></svg>`,
  styleOnload: `<style onload="${CANARY}">body{background:url(https://example.com/bg)}</style>`,
  iframeSrcdoc: `<iframe srcdoc="<script>parent.${CANARY}</script>"></iframe>`,
  javascriptLink: `[click me](javascript:${CANARY})`,
  javascriptLinkEncoded: '[click](jav&#x09;ascript:alert(1)) [x](JaVaScRiPt:alert(1))',
  commandLink: '[run](command:workbench.action.terminal.new) [args](command:_workbench.downloadResource?%5B%22https://example.com%22%5D)',
  vscodeLink: '[open](vscode://file/etc/passwd) [ext](vscode:extension/evil.publisher)',
  fileAndDataLinks: '[f](file:///etc/passwd) [d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  remoteImage: '![logo](https://example.com/?q=secret)',
  referenceImage: 'Look: ![chart][c]\n\n[c]: https://example.com/track.png?session=secret "title"',
  dataImage: '![pixel](data:image/png;base64,iVBORw0KGgo=)',
  autolinkImage: '<https://example.com/a.png> and https://example.com/b.gif',
  htmlImageInCode: '`<img src=https://example.com/x>`\n\n```html\n<img src="https://example.com/y" onerror="alert(1)">\n```',
  mathmlAndObject: `<math><mi xlink:href="javascript:${CANARY}">x</mi></math><object data="https://example.com/o"></object><embed src="https://example.com/e">`,
  formAndMeta: '<form action="https://example.com"><input autofocus onfocus="alert(1)"></form><meta http-equiv="refresh" content="0;url=https://example.com">',
  linkTitleBreakout: '[a](https://example.com "x\\" onmouseover=\\"alert(1)")',
  htmlEntitiesInLink: '[a](&#106;avascript:alert(1))',
  baseTag: '<base href="https://example.com/">[rel](page.html)',
};

function fullPayload(): string {
  return Object.values(PAYLOADS).join('\n\n');
}

/** Splits text into chunks at awkward places: inside tags, attributes and URLs. */
function awkwardChunks(text: string): string[] {
  const chunks: string[] = [];
  let i = 0;
  let size = 1;
  while (i < text.length) {
    chunks.push(text.slice(i, i + size));
    i += size;
    size = (size % 7) + 1;
  }
  return chunks;
}

const URL_ATTRIBUTES = ['src', 'srcset', 'background', 'poster', 'data', 'action', 'formaction', 'xlink:href', 'srcdoc', 'style', 'ping', 'lowsrc', 'dynsrc'];
const FORBIDDEN_TAGS = ['script', 'img', 'svg', 'math', 'style', 'iframe', 'frame', 'object', 'embed', 'form', 'input', 'meta', 'base', 'link', 'video', 'audio', 'source', 'picture'];

function assertInert(root: Element, where: string): void {
  for (const tag of FORBIDDEN_TAGS) assert.equal(root.querySelectorAll(tag).length, 0, `${where}: found <${tag}>`);
  for (const element of Array.from(root.querySelectorAll('*'))) {
    for (const attr of Array.from(element.attributes)) {
      assert.ok(!attr.name.toLowerCase().startsWith('on'), `${where}: event handler ${attr.name} on <${element.localName}>`);
      assert.ok(!URL_ATTRIBUTES.includes(attr.name.toLowerCase()), `${where}: ${attr.name}="${attr.value}" on <${element.localName}>`);
    }
    if (element.localName === 'a' && element.hasAttribute('href')) {
      assert.match(element.getAttribute('href')!, /^https?:\/\//i, `${where}: inert link expected`);
    }
  }
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

function mount() {
  document.body.replaceChildren();
  const posted: WebviewToHost[] = [];
  const app = startChatApp({ postMessage: (m) => posted.push(m), getState: () => undefined, setState: () => undefined }, document.body, {
    schedule: (callback) => callback(),
    tickMs: 60_000,
  });
  const deliver = (...messages: HostToWebview[]) => {
    for (const data of messages) window.dispatchEvent(new window.MessageEvent('message', { data }));
  };
  return { app, deliver, posted };
}

for (const [name, payload] of Object.entries(PAYLOADS)) {
  test(`sanitized Markdown is inert: ${name}`, async () => {
    const holder = document.createElement('div');
    holder.innerHTML = markdownToSafeHtml(payload);
    await settle();
    assertInert(holder, name);
    assert.equal((window as unknown as { __pwned?: number }).__pwned, undefined);
  });
}

test('the inertness check itself catches unsanitized HTML', () => {
  for (const payload of [PAYLOADS.imgOnerror, PAYLOADS.svgOnload, '<a href="command:x">x</a>', '<p style="background:url(https://e.com)">x</p>']) {
    const holder = document.createElement('div');
    holder.innerHTML = payload;
    assert.throws(() => assertInert(holder, 'raw'), /raw/);
  }
});

test('remote images become links to their address and are never loaded', () => {
  const holder = document.createElement('div');
  holder.innerHTML = markdownToSafeHtml(`${PAYLOADS.remoteImage}\n\n${PAYLOADS.referenceImage}`);
  const links = Array.from(holder.querySelectorAll('a.image-link'), (a) => [a.textContent, a.getAttribute('href')]);
  assert.deepEqual(links, [
    ['image: logo', 'https://example.com/?q=secret'],
    ['image: chart', 'https://example.com/track.png?session=secret'],
  ]);
});

test('every payload, streamed in awkward chunks into answer and reasoning, renders inert and as text', async () => {
  const { app, deliver } = mount();
  const hostile = fullPayload();
  deliver(msg.snapshot(snapshot()), msg.started(streamingTurn('t1', hostile)));
  let at = T0;
  for (const chunk of awkwardChunks(hostile)) deliver(msg.reasoning(chunk, ++at));
  for (const chunk of awkwardChunks(hostile)) deliver(msg.answer(chunk, ++at));
  deliver(msg.finished(++at));
  await settle();
  const root = document.querySelector('[data-testid="r1-chat-root"]')!;
  assertInert(root.querySelector('[data-testid="transcript"]')!, 'streamed transcript');
  assert.equal(root.querySelector('.reasoning-text')!.textContent, hostile, 'reasoning is plain text');
  assert.equal(root.querySelector('[data-testid="user-message"]')!.textContent, hostile, 'user message is plain text');
  assert.ok(root.querySelector('[data-testid="answer"]')!.textContent!.includes('<script>'), 'raw HTML shows as text');
  assert.equal((window as unknown as { __pwned?: number }).__pwned, undefined);
  app.dispose();
});

test('links: http(s) opens only through the extension; command:, vscode: and javascript: links do nothing', () => {
  const { app, deliver, posted } = mount();
  deliver(
    msg.snapshot(),
    msg.started(),
    msg.answer('[docs](https://example.com/docs) [run](command:workbench.action.terminal.new) [v](vscode://x) [j](javascript:alert(1))', T0 + 1),
    msg.finished(T0 + 2),
  );
  const links = Array.from(document.querySelectorAll<HTMLAnchorElement>('[data-testid="answer"] a'));
  assert.equal(links.length, 3, 'markdown-it leaves a javascript: link as text');
  assert.ok(document.querySelector('[data-testid="answer"]')!.textContent!.includes('[j](javascript:alert(1))'));
  for (const link of links) {
    const event = new window.MouseEvent('click', { bubbles: true, cancelable: true });
    link.dispatchEvent(event);
    assert.equal(event.defaultPrevented, true, 'the webview itself never navigates');
  }
  assert.deepEqual(posted.filter((m) => m.type === 'openLink'), [{ v: 1, type: 'openLink', url: 'https://example.com/docs' }]);
  app.dispose();
});

test('the VS Code API object is not reachable from window', async () => {
  const api = { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };
  document.body.replaceChildren();
  const app = startChatApp(api, document.body, { schedule: (callback) => callback() });
  for (const key of Object.getOwnPropertyNames(window)) {
    let value: unknown;
    try {
      value = (window as unknown as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    assert.notEqual(value, api, `window.${key} exposes the API`);
  }
  app.dispose();
});

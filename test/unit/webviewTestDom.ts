// A jsdom window installed as the global `window`/`document` for webview tests. Scripts run
// ("dangerously") so anything executable that reached the DOM would actually execute and trip a
// canary; jsdom loads no subresources by default, so nothing can leave the test.
// (happy-dom is not used here: DOMPurify mis-sanitizes under it, keeping javascript: hrefs.)
import { after, before } from 'node:test';
import { JSDOM } from 'jsdom';
import type * as App from '../../webview/app';

export interface TestDom {
  window: JSDOM['window'];
  close(): void;
}

const GLOBALS = ['window', 'document', 'Node', 'HTMLElement', 'Element', 'Event', 'KeyboardEvent', 'MouseEvent', 'DocumentFragment'] as const;

export function installDom(html = '<!doctype html><html><head></head><body></body></html>'): TestDom {
  const dom = new JSDOM(html, { url: 'https://webview.invalid/index.html', runScripts: 'dangerously', pretendToBeVisual: true });
  const g = globalThis as Record<string, unknown>;
  const previous = new Map<string, unknown>(GLOBALS.map((name) => [name, g[name]]));
  for (const name of GLOBALS) g[name] = name === 'window' ? dom.window : (dom.window as unknown as Record<string, unknown>)[name];
  return {
    window: dom.window,
    close() {
      for (const [name, value] of previous) g[name] = value;
      dom.window.close();
    },
  };
}

/**
 * For a test file that renders the chat webview: a jsdom installed before the file's tests and
 * removed after them, and the webview's `startChatApp` loaded into it (only once the DOM exists).
 */
export function chatAppInDom(): typeof App.startChatApp {
  let dom: TestDom | undefined;
  let startChatApp: typeof App.startChatApp | undefined;
  before(async () => {
    dom = installDom();
    ({ startChatApp } = await import('../../webview/app'));
  });
  after(() => dom?.close());
  return (...args) => {
    if (!startChatApp) throw new Error('the chat webview is loaded by the before() hook');
    return startChatApp(...args);
  };
}

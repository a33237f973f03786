// A jsdom window installed as the global `window`/`document` for webview tests. Scripts run
// ("dangerously") so anything executable that reached the DOM would actually execute and trip a
// canary; jsdom loads no subresources by default, so nothing can leave the test.
// (happy-dom is not used here: DOMPurify mis-sanitizes under it, keeping javascript: hrefs.)
import { JSDOM } from 'jsdom';

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

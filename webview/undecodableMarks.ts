// Makes undecodable model output visible in the chat: each run of U+FFFD becomes a highlighted
// marker with an explanation on hover, and the turn says how many characters did not decode. A
// bare U+FFFD is easy to miss (some fonts draw nothing for it) and says nothing about why.
import { UNDECODABLE, countUndecodable, undecodableRuns } from '../engine/common/text/undecodable';

const TITLE = 'The model produced bytes that are not valid UTF-8 text';

function marker(text: string): HTMLElement {
  const span = document.createElement('span');
  span.className = 'undecodable';
  span.dataset.testid = 'undecodable';
  span.title = TITLE;
  span.textContent = text;
  return span;
}

/** Appends `text` to `parent` as text nodes, with undecodable runs marked. */
export function appendMarked(parent: Node, text: string): void {
  for (const run of undecodableRuns(text)) parent.appendChild(run.undecodable ? marker(run.text) : document.createTextNode(run.text));
}

/** Marks the undecodable runs inside every text node under `root` (rendered Markdown). */
export function markUndecodable(root: Node): void {
  const walker = document.createTreeWalker(root, 0x4 /* NodeFilter.SHOW_TEXT */);
  const hits: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) if (node.nodeValue?.includes(UNDECODABLE)) hits.push(node as Text);
  for (const node of hits) {
    const replacement = document.createDocumentFragment();
    appendMarked(replacement, node.nodeValue ?? '');
    node.replaceWith(replacement);
  }
}

/** A sentence for the turn's status line, or '' when everything decoded. */
export function undecodableNote(...texts: string[]): string {
  const count = texts.reduce((sum, text) => sum + countUndecodable(text), 0);
  if (count === 0) return '';
  return `${count} ${count === 1 ? 'character' : 'characters'} of this reply could not be decoded as text (marked \u{FFFD}).`;
}

// Model output → safe DOM. Model text is untrusted (it can echo anything a prompt or a file
// contained), so three layers stand between it and the page:
//   1. markdown-it with raw HTML off: `<script>` in the text stays text, however it is split across chunks;
//   2. images are never emitted as <img>: they become plain links (a remote image would be fetched
//      the moment it renders, which is how chat views leak data through query strings);
//   3. DOMPurify with a short allow-list of tags and attributes, and only http(s) hrefs kept.
// highlight.js only adds <span class="hljs-…"> inside code blocks, which the allow-list keeps.
import MarkdownIt from 'markdown-it';
import DOMPurify, { type Config } from 'dompurify';
import hljs from 'highlight.js/lib/common';

type Markdown = InstanceType<typeof MarkdownIt>;

const LANGUAGE_PATTERN = /^[\w#+.-]{1,32}$/;

const ALLOWED_TAGS = [
  'a', 'p', 'br', 'hr', 'em', 'strong', 'del', 's', 'code', 'pre', 'span', 'div',
  'ul', 'ol', 'li', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'table', 'thead', 'tbody', 'tr', 'th', 'td',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'start'];

const PURIFY_CONFIG: Config & { RETURN_DOM_FRAGMENT: true } = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  // Any href that is not absolute http(s) is dropped: no javascript:, command:, vscode:, file:, data:
  // and no relative links (they would resolve inside the webview's own origin).
  ALLOWED_URI_REGEXP: /^https?:\/\//i,
  RETURN_DOM_FRAGMENT: true,
};

function createMarkdown(): Markdown {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
  const escape = md.utils.escapeHtml;

  md.renderer.rules.fence = (tokens, idx) => {
    const token = tokens[idx];
    const lang = token.info.trim().split(/\s+/)[0] ?? '';
    const safeLang = LANGUAGE_PATTERN.test(lang) ? lang : '';
    const langClass = safeLang ? ` language-${escape(safeLang)}` : '';
    return `<div class="code-block"><pre><code class="hljs${langClass}">${highlight(token.content, safeLang, escape)}</code></pre></div>\n`;
  };
  md.renderer.rules.code_block = (tokens, idx) =>
    `<div class="code-block"><pre><code class="hljs">${escape(tokens[idx].content)}</code></pre></div>\n`;

  // Images become a link to their address (inert unless http(s)); nothing is ever fetched.
  md.renderer.rules.image = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    const alt = self.renderInlineAsText(token.children ?? [], options, env).trim();
    const src = String(token.attrGet('src') ?? '');
    const label = `image: ${alt || src}`;
    return `<a class="image-link" href="${escape(src)}">${escape(label)}</a>`;
  };
  return md;
}

function highlight(code: string, lang: string, escape: (s: string) => string): string {
  if (lang && hljs.getLanguage(lang)) {
    try {
      return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    } catch {
      // A grammar failure must not lose the code: fall through to plain text.
    }
  }
  return escape(code);
}

let markdown: Markdown | undefined;
let purifier: ReturnType<typeof DOMPurify> | undefined;

function getPurifier(): ReturnType<typeof DOMPurify> {
  if (!purifier) {
    // Bound to the current window lazily, so tests can provide a DOM before first use.
    purifier = DOMPurify(window);
    purifier.addHook('afterSanitizeAttributes', (node) => {
      if (node.nodeName === 'A') {
        if (node.hasAttribute('href')) node.setAttribute('rel', 'noopener noreferrer');
        node.removeAttribute('target');
      }
    });
  }
  return purifier;
}

/** Markdown source → sanitized HTML as a string (for tests and static checks). */
/** The fence language of a rendered code block, from its `language-…` class ('' when none). */
export function codeLanguage(code: Element): string {
  for (const name of Array.from(code.classList)) if (name.startsWith('language-')) return name.slice('language-'.length);
  return '';
}

export function markdownToSafeHtml(source: string): string {
  const container = document.createElement('div');
  container.append(renderMarkdown(source));
  return container.innerHTML;
}

/** Markdown source → a sanitized fragment, ready to append. Never parsed again as HTML after sanitizing. */
export function renderMarkdown(source: string): DocumentFragment {
  markdown ??= createMarkdown();
  const html = markdown.render(source);
  return getPurifier().sanitize(html, PURIFY_CONFIG);
}

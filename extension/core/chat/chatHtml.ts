// The chat webview's HTML. The Content-Security-Policy is the last line of defence if anything in
// model output ever got past sanitizing: no inline or foreign script (only ours, by a fresh nonce),
// styles and images only from the extension's own files (images also from data:), no network.
import { randomBytes } from 'node:crypto';

export interface ChatHtmlResources {
  /** `webview.cspSource`: the origin the webview serves the extension's local files from. */
  cspSource: string;
  /** Webview URIs (as strings) of dist/webview.js and media/chat.css. */
  scriptUri: string;
  styleUri: string;
}

/** A fresh, unguessable nonce; a new one for every render of the HTML. */
export function createNonce(): string {
  return randomBytes(18).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function chatHtml(resources: ChatHtmlResources, nonce: string = createNonce()): string {
  const csp = contentSecurityPolicy(resources.cspSource, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(resources.styleUri)}">
<title>R1 Chat</title>
</head>
<body>
<script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(resources.scriptUri)}"></script>
</body>
</html>`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

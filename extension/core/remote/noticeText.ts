// Text a server (or a setting) supplies, made safe to show in a VS Code notification. Notifications
// render `[label](command:…)` as a link that runs the command, so a server's error message or model
// name must not be able to plant one. A link needs `](` with nothing between: a space there breaks
// it (backslash escapes would show as backslashes, notifications render no markdown besides links).
// Backticks become quotes, control and bidirectional-override characters go, the length is capped.

/** The longest server-supplied text a notice quotes. */
export const NOTICE_TEXT_LIMIT = 300;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
/** Zero-width and bidirectional formatting characters: they can make shown text read unlike what it is. */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** `text` on one line, at most `limit` characters (plus an ellipsis), with no markdown link, code span or control character left in it. */
export function noticeText(text: string, limit = NOTICE_TEXT_LIMIT): string {
  let flat = text.replace(CONTROL, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  if (flat.length > limit) {
    flat = flat.slice(0, limit);
    // Do not end on half a surrogate pair.
    if (/[\ud800-\udbff]$/.test(flat)) flat = flat.slice(0, -1);
    flat = `${flat}…`;
  }
  return flat.replace(/\]\s*\(/g, '] (').replace(/`/g, "'");
}

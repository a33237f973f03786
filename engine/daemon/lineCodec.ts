// Newline-delimited JSON over a stream socket: one message per line. JSON.stringify never emits a
// raw newline (it escapes them inside strings), so a newline always ends a message.
//
// The reader runs on the shared engine's single event loop, which every window's requests go
// through, so its cost must stay linear in what arrives: each chunk is searched once for newlines,
// and a line that spans many chunks is joined once, when its newline comes. Lengths are counted
// in characters (UTF-16 code units of the decoded string), not bytes.

/** Longest line accepted from a connection that presented the token; longer closes it. */
export const MAX_LINE_CHARS = 64 * 2 ** 20;

/**
 * Longest first line, before the token is checked: a `connect` message is a few hundred
 * characters, and anyone who can open the socket (on Windows, any local user) gets this far.
 */
export const MAX_HANDSHAKE_LINE_CHARS = 4 * 2 ** 10;

export class LineTooLongError extends Error {
  override readonly name = 'LineTooLongError';
}

export class LineReader {
  /** The chunks of the line not yet ended by a newline. */
  private pending: string[] = [];
  private pendingChars = 0;

  /** The limit in force; may change between lines (main.ts raises it once the handshake is done). */
  maxChars: number;

  constructor(maxChars = MAX_LINE_CHARS) {
    this.maxChars = maxChars;
  }

  /**
   * Calls `onLine` with each complete, non-empty line in `chunk` (the first one joined with what was
   * buffered before), one at a time, and keeps a trailing partial line. Each line is checked against
   * the limit in force when it is read, so `onLine` may change the limit for the lines after it.
   * Throws LineTooLongError for a line, complete or not, beyond the limit.
   */
  read(chunk: string, onLine: (line: string) => void): void {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const length = this.pendingChars + end - start;
      if (length > this.maxChars) throw this.tooLong();
      let line = chunk.slice(start, end);
      if (this.pending.length > 0) {
        this.pending.push(line);
        line = this.pending.join('');
        this.pending = [];
        this.pendingChars = 0;
      }
      start = end + 1;
      if (line.length > 0) onLine(line);
    }
    if (start < chunk.length) {
      this.pendingChars += chunk.length - start;
      if (this.pendingChars > this.maxChars) throw this.tooLong();
      this.pending.push(start === 0 ? chunk : chunk.slice(start));
    }
  }

  /** The complete lines in `chunk` (with what was buffered before); keeps a trailing partial line. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    this.read(chunk, (line) => lines.push(line));
    return lines;
  }

  private tooLong(): LineTooLongError {
    return new LineTooLongError(`a message longer than ${this.maxChars} characters`);
  }
}

/** Parses one line; undefined for something that is not JSON. */
export function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

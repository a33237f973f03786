// Newline-delimited JSON over a stream socket: one message per line. JSON.stringify never emits a
// raw newline (it escapes them inside strings), so a newline always ends a message.

/** Longest line accepted; a longer one means a broken or hostile peer and closes the connection. */
export const MAX_LINE_BYTES = 64 * 2 ** 20;

export class LineTooLongError extends Error {
  override readonly name = 'LineTooLongError';
}

export class LineReader {
  private buffered = '';

  constructor(private readonly maxChars = MAX_LINE_BYTES) {}

  /** The complete lines in `chunk` (with what was buffered before); keeps a trailing partial line. */
  push(chunk: string): string[] {
    this.buffered += chunk;
    const parts = this.buffered.split('\n');
    this.buffered = parts.pop()!;
    if (this.buffered.length > this.maxChars) throw new LineTooLongError(`a message longer than ${this.maxChars} characters`);
    return parts.filter((line) => line.length > 0);
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

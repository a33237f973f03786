// Terminal styling, only when stdout is a terminal and NO_COLOR is unset (https://no-color.org).
const colour = (): boolean => process.stdout.isTTY === true && !process.env.NO_COLOR;

/** Reasoning is shown dimmed so the answer stands out. */
export function dim(text: string): string {
  return colour() && text.length > 0 ? `\x1b[2m${text}\x1b[22m` : text;
}
